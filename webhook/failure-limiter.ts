// Limits how much hash work failures can buy. Failed secret checks are counted per token prefix
// (and, when the operator names a trusted header carrying the client address, per client) in a
// fixed window; past the limit those requests get 401 before any hash work or database lookup.
// The real holder of a token is not locked out: a cached answer, or a proof that this exact
// token was verified before, is honoured before the limiter is consulted.
//
// Checks still running count against the limit too (tryBegin/end): otherwise a burst of
// concurrent wrong secrets would all pass the check before the first failure was recorded.

export class FailureLimiter {
  private readonly windows = new Map<string, { count: number; startedAt: number }>();
  private readonly running = new Map<string, number>();

  constructor(
    private readonly options: { limit: number; windowSeconds: number; maxKeys?: number },
    private readonly clock: () => number = Date.now,
  ) {}

  isBlocked(key: string): boolean {
    const window = this.current(key);
    return window !== undefined && window.count >= this.options.limit;
  }

  /** Reserves a check for `key`, unless failures and running checks already reach the limit. */
  tryBegin(key: string): boolean {
    const running = this.running.get(key) ?? 0;
    if ((this.current(key)?.count ?? 0) + running >= this.options.limit) return false;
    this.running.set(key, running + 1);
    return true;
  }

  /** Ends a reserved check; a failed one is recorded. */
  end(key: string, failed: boolean): void {
    const running = (this.running.get(key) ?? 1) - 1;
    if (running > 0) this.running.set(key, running);
    else this.running.delete(key);
    if (failed) this.recordFailure(key);
  }

  recordFailure(key: string): void {
    const window = this.current(key);
    if (window) {
      window.count += 1;
      return;
    }
    const maxKeys = this.options.maxKeys ?? 100_000;
    if (this.windows.size >= maxKeys) {
      // Drop the oldest window; Map iteration order is insertion order.
      const oldest = this.windows.keys().next().value as string;
      this.windows.delete(oldest);
    }
    this.windows.set(key, { count: 1, startedAt: this.clock() });
  }

  private current(key: string): { count: number; startedAt: number } | undefined {
    const window = this.windows.get(key);
    if (!window) return undefined;
    if (this.clock() - window.startedAt >= this.options.windowSeconds * 1000) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
