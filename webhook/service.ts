// The composition root: wires configuration, database, cache, change listener, hash verifier,
// usage recorder and metrics into one sidecar with start() and stop(). main.ts runs it as a
// process; the contract tests run it against their own database.

import type { Express } from "express";
import { sql } from "kysely";
import { createApp } from "./app";
import { Authenticator } from "./authenticator";
import { AnswerCache } from "./cache";
import { CHANGE_CHANNEL, ChangeListener } from "./change-listener";
import type { Config } from "./config";
import { HashVerifier } from "./credentials/hash-verifier";
import type { DatabaseHandle } from "./db/connection";
import type { Logger } from "./logger";
import { createMetrics, type Metrics } from "./metrics";
import { UsageRecorder } from "./usage";

export interface Sidecar {
  readonly app: Express;
  readonly cache: AnswerCache;
  readonly listener: ChangeListener;
  readonly usage: UsageRecorder;
  readonly hashVerifier: HashVerifier;
  readonly metrics: Metrics;
  /** Connects the change listener and starts the usage timer. */
  start(): Promise<void>;
  /** Flushes usage and disconnects the listener (the database handle stays the caller's). */
  stop(): Promise<void>;
}

export interface SidecarOptions {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly logger: Logger;
  readonly jwtSecret: string | undefined;
  readonly defaultMetrics?: boolean;
  readonly clock?: () => number;
  /** Test seam: a slower or counting verifier. */
  readonly hashVerifier?: HashVerifier;
}

export function createSidecar(options: SidecarOptions): Sidecar {
  const { config, database, logger } = options;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const cache = new AnswerCache(config.cache, {
    onHit: () => metrics.cacheHits.inc(),
    onMiss: () => metrics.cacheMisses.inc(),
    onEvict: (reason) => metrics.cacheEvictions.inc({ reason }),
  }, options.clock);
  const hashVerifier = options.hashVerifier ?? new HashVerifier({ concurrency: config.hashing.concurrency, queueLimit: config.hashing.queueLimit });
  const usage = new UsageRecorder(database.db, {
    flushSeconds: config.lastUsedFlushSeconds,
    onError: (error) => logger.error({ err: error }, "could not record token usage"),
    onFlush: (written) => metrics.usageWrites.inc(written),
  }, options.clock);
  const listener = new ChangeListener(
    database,
    (enabled) => cache.setEnabled(enabled),
    (tags) => {
      cache.invalidate(tags);
    },
    {
      onStateChange: (connected, error) => {
        metrics.listenerConnected.set(connected ? 1 : 0);
        if (connected) logger.info("change listener connected; answer cache on");
        else logger.error({ err: error }, "change listener disconnected; answer cache off until it reconnects");
      },
      onNotification: () => metrics.notifications.inc(),
    },
    {
      intervalMs: config.listenerHeartbeatSeconds * 1000,
      send: async (payload) => {
        await sql`SELECT pg_notify(${CHANGE_CHANNEL}, ${payload})`.execute(database.db);
      },
    },
  );
  const authenticator = new Authenticator({
    db: database.db,
    config,
    cache,
    hashVerifier,
    usage,
    jwtSecret: options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined,
    onSideEffect: (effect) => logger.warn({ effect }, "credential check changed the database (Ghostwriter side effect)"),
    onHash: (matched) => metrics.hashVerifications.inc({ result: matched ? "match" : "mismatch" }),
    clock: options.clock,
  });
  metrics.sources.cacheEntries = () => cache.size;
  metrics.sources.hashInFlight = () => hashVerifier.inFlight;
  metrics.sources.hashQueued = () => hashVerifier.queued;

  const readiness = async () => {
    const databaseUp = await sql`SELECT 1`.execute(database.db).then(() => true, () => false);
    return { ready: databaseUp && listener.connected, checks: { database: databaseUp, changeListener: listener.connected } };
  };
  const app = createApp({ config, authenticator, metrics, logger, readiness });

  return {
    app,
    cache,
    listener,
    usage,
    hashVerifier,
    metrics,
    async start() {
      await listener.start();
      usage.start();
    },
    async stop() {
      await usage.stop();
      await listener.stop();
    },
  };
}
