// The warm path. A verified credential's answer is kept under SHA-256 of the whole token (never
// the token), for no longer than the credential's own life and the configured ceiling. Each entry
// carries tags (st:12, u:5, ...) matching the change notifications the database triggers send, so
// a revocation, grant or membership change drops exactly the answers it could alter.
//
// Two rules keep it from ever answering stale: while the change listener is disconnected the cache
// is off (bypassed and emptied), and an answer computed while an invalidation arrived is not
// stored (a ticket taken before the database read must still be current when storing).

import { LruMap, type EvictionReason } from "./lru";
import type { SessionVariables } from "./hasura/answers";

export type CredentialKind = "service_token" | "api_token" | "login_jwt" | "collab_jwt";

export interface CachedAnswer {
  readonly kind: CredentialKind;
  readonly variables: SessionVariables;
  /** The credential's own expiry (null: never), for max-age. */
  readonly credentialExpiresAt: Date | null;
  /** Credential row whose last_used_at is recorded on every accepted request. */
  readonly usage?: { readonly table: "api_servicetoken" | "api_apikey"; readonly id: string };
  /** For logs: the token prefix or the JWT subject, never the secret. */
  readonly label: string;
  readonly tags: readonly string[];
}

export interface CacheEvents {
  onHit?(): void;
  onMiss?(): void;
  onEvict?(reason: EvictionReason): void;
}

export class AnswerCache {
  private readonly entries: LruMap<CachedAnswer>;
  private readonly byTag = new Map<string, Set<string>>();
  private generation = 0;
  private active = false;

  constructor(
    private readonly options: { maxEntries: number; maxAgeSeconds: number },
    private readonly events: CacheEvents = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.entries = new LruMap<CachedAnswer>(options.maxEntries, (key, value, reason) => {
      for (const tag of value.tags) {
        const keys = this.byTag.get(tag);
        keys?.delete(key);
        if (keys?.size === 0) this.byTag.delete(tag);
      }
      events.onEvict?.(reason);
    });
  }

  get enabled(): boolean {
    return this.active;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Turned on only while the change listener is connected; turning off empties the cache. */
  setEnabled(enabled: boolean): void {
    this.generation += 1;
    this.active = enabled;
    this.entries.clear();
  }

  get(key: string): CachedAnswer | undefined {
    const found = this.active ? this.entries.get(key, this.clock()) : undefined;
    if (found) this.events.onHit?.();
    else this.events.onMiss?.();
    return found;
  }

  /** Whether an answer is held for `key` (no metrics, no change to eviction order). */
  has(key: string): boolean {
    return this.active && this.entries.peek(key, this.clock());
  }

  /** Take before reading the database; pass to set(). */
  ticket(): number {
    return this.generation;
  }

  set(key: string, answer: CachedAnswer, ticket: number): boolean {
    // With no room (AUTH_CACHE_MAX_ENTRIES=0) nothing is stored, so nothing may be indexed either.
    if (!this.active || ticket !== this.generation || this.options.maxAgeSeconds === 0 || this.options.maxEntries === 0) return false;
    const now = this.clock();
    const ceiling = now + this.options.maxAgeSeconds * 1000;
    const expiresAt = answer.credentialExpiresAt === null ? ceiling : Math.min(ceiling, answer.credentialExpiresAt.getTime());
    if (expiresAt <= now) return false;
    this.entries.set(key, answer, expiresAt);
    for (const tag of answer.tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    return true;
  }

  /** Drops every answer carrying one of the tags; "all" drops everything. */
  invalidate(tags: readonly string[]): number {
    this.generation += 1;
    if (tags.includes("all")) {
      const count = this.entries.size;
      this.entries.clear();
      return count;
    }
    let count = 0;
    for (const tag of tags) {
      for (const key of [...(this.byTag.get(tag) ?? [])]) {
        if (this.entries.delete(key, "invalidated")) count += 1;
      }
    }
    return count;
  }
}
