// Prometheus metrics for GET /metrics (prom-client, one registry per app so tests can build
// several). Labels are bounded sets: credential kind, outcome, cache result — never a token.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type Outcome = "allowed" | "denied" | "unavailable" | "overloaded";

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<"kind" | "outcome">;
  readonly latency: Histogram<"kind" | "cache">;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly cacheEvictions: Counter<"reason">;
  readonly cacheEntries: Gauge;
  readonly hashInFlight: Gauge;
  readonly hashQueued: Gauge;
  readonly hashVerifications: Counter<"result">;
  readonly listenerConnected: Gauge;
  readonly notifications: Counter;
  readonly rejections: Counter<"reason">;
  readonly usageWrites: Counter;
}

/** Read at scrape time (late-bound, since the cache and verifier are built after the metrics). */
export interface GaugeSources {
  cacheEntries: () => number;
  hashInFlight: () => number;
  hashQueued: () => number;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics & { sources: GaugeSources } {
  const sources: GaugeSources = { cacheEntries: () => 0, hashInFlight: () => 0, hashQueued: () => 0 };
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    sources,
    registry,
    requests: new Counter({ name: "sidecar_auth_requests_total", help: "Webhook requests by credential kind and outcome", labelNames: ["kind", "outcome"], registers }),
    latency: new Histogram({
      name: "sidecar_auth_request_duration_seconds",
      help: "Webhook answer time by credential kind and cache result",
      labelNames: ["kind", "cache"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    cacheHits: new Counter({ name: "sidecar_auth_cache_hits_total", help: "Answers served from memory", registers }),
    cacheMisses: new Counter({ name: "sidecar_auth_cache_misses_total", help: "Credential lookups not in memory (or cache off)", registers }),
    cacheEvictions: new Counter({ name: "sidecar_auth_cache_evictions_total", help: "Cached answers dropped, by reason", labelNames: ["reason"], registers }),
    cacheEntries: new Gauge({ name: "sidecar_auth_cache_entries", help: "Answers currently cached", registers, collect() { this.set(sources.cacheEntries()); } }),
    hashInFlight: new Gauge({ name: "sidecar_hash_verifications_in_flight", help: "Hash verifications running", registers, collect() { this.set(sources.hashInFlight()); } }),
    hashQueued: new Gauge({ name: "sidecar_hash_verifications_queued", help: "Hash verifications waiting for a slot", registers, collect() { this.set(sources.hashQueued()); } }),
    hashVerifications: new Counter({ name: "sidecar_hash_verifications_total", help: "Hash verifications by result", labelNames: ["result"], registers }),
    listenerConnected: new Gauge({ name: "sidecar_change_listener_connected", help: "1 while the LISTEN connection is up (the cache is on only then)", registers }),
    notifications: new Counter({ name: "sidecar_change_notifications_total", help: "Change notifications received", registers }),
    rejections: new Counter({ name: "sidecar_auth_rejections_total", help: "401 answers by reason", labelNames: ["reason"], registers }),
    usageWrites: new Counter({ name: "sidecar_usage_rows_written_total", help: "last_used_at rows written", registers }),
  };
}
