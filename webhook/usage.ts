// last_used_at, as Ghostwriter records it (at most one write per credential per 5 minutes), but
// off the request path: uses are noted in memory and written in one statement per table on a
// timer and at shutdown. A credential written recently is not noted again until the interval has
// passed, so a busy token costs one UPDATE per 5 minutes, not one per request.

import type { Kysely } from "kysely";
import type { Database } from "./db/schema";
import { recordUsage, type UsageTable } from "./db/repositories/usage";

export const USAGE_INTERVAL_SECONDS = 5 * 60;
const MAX_PENDING = 100_000;

export class UsageRecorder {
  private pending: Record<UsageTable, Map<string, Date>> = { api_servicetoken: new Map(), api_apikey: new Map() };
  private readonly lastWritten = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: { flushSeconds: number; onError?: (error: unknown) => void; onFlush?: (written: number) => void },
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushSeconds * 1000);
    this.timer.unref();
  }

  note(table: UsageTable, id: string): void {
    const now = this.clock();
    const key = `${table}:${id}`;
    const written = this.lastWritten.get(key);
    if (written !== undefined && now - written < USAGE_INTERVAL_SECONDS * 1000) return;
    const pending = this.pending[table];
    if (!pending.has(id) && pending.size >= MAX_PENDING) return;
    pending.set(id, new Date(now));
  }

  /** Writes what is pending; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = { api_servicetoken: new Map(), api_apikey: new Map() };
    let written = 0;
    for (const table of ["api_servicetoken", "api_apikey"] as const) {
      const uses = batch[table];
      if (uses.size === 0) continue;
      try {
        written += await recordUsage(this.db, table, uses, USAGE_INTERVAL_SECONDS);
        for (const [id, at] of uses) this.lastWritten.set(`${table}:${id}`, at.getTime());
        this.trimLastWritten();
      } catch (error) {
        // Keep the uses for the next flush; bookkeeping must never fail a request.
        for (const [id, at] of uses) if (!this.pending[table].has(id)) this.pending[table].set(id, at);
        this.options.onError?.(error);
      }
    }
    if (written > 0) this.options.onFlush?.(written);
  }

  private trimLastWritten(): void {
    if (this.lastWritten.size <= MAX_PENDING) return;
    const cutoff = this.clock() - USAGE_INTERVAL_SECONDS * 1000;
    for (const [key, at] of this.lastWritten) if (at < cutoff) this.lastWritten.delete(key);
  }
}
