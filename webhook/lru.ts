// A bounded map with per-entry expiry and least-recently-used eviction (a Map keeps insertion
// order, so re-inserting on read moves an entry to the young end). Eviction reasons are reported
// so the cache metrics can tell capacity pressure from expiry.

export type EvictionReason = "expired" | "capacity" | "invalidated" | "cleared";

export class LruMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly onEvict: (key: string, value: V, reason: EvictionReason) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.delete(key, "expired");
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  peek(key: string, now: number): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAt > now;
  }

  set(key: string, value: V, expiresAt: number): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.has(key)) this.delete(key, "invalidated");
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest, "capacity");
    }
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string, reason: EvictionReason): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.onEvict(key, entry.value, reason);
    return true;
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.delete(key, "cleared");
  }
}
