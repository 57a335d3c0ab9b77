// Keeps one LISTEN connection on the change channel the triggers notify, and turns each
// notification into cache invalidations. The cache is only on while this is connected: on loss
// it is turned off at once (every request then goes to the database), and the listener retries
// with backoff; once reconnected the cache starts empty, since notifications may have been missed.
//
// A connection can also die silently (a failover, a firewall dropping an idle flow): the socket
// looks open and nothing arrives. So while connected, a heartbeat sends a probe NOTIFY through
// the pool and requires it back on this connection in time; a probe that does not come back (or
// cannot be sent) counts as a loss.

import { randomBytes } from "node:crypto";
import type { DatabaseHandle, NotificationSubscription } from "./db/connection";

export const CHANGE_CHANNEL = "token_sidecar_auth_change";
/** Payloads of heartbeat probes start with this; they invalidate nothing. */
export const PROBE_PREFIX = "probe:";

export interface Heartbeat {
  readonly intervalMs: number;
  /** Sends `payload` on CHANGE_CHANNEL through another connection (the pool). */
  send(payload: string): Promise<void>;
}

export interface ChangeListenerEvents {
  onStateChange?(connected: boolean, error?: unknown): void;
  onNotification?(tags: readonly string[]): void;
}

export class ChangeListener {
  private subscription: NotificationSubscription | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pendingProbe: { payload: string; deadline: NodeJS.Timeout } | undefined;
  private attempt = 0;

  constructor(
    private readonly database: Pick<DatabaseHandle, "listen">,
    private readonly setCacheEnabled: (enabled: boolean) => void,
    private readonly invalidate: (tags: readonly string[]) => void,
    private readonly events: ChangeListenerEvents = {},
    private readonly heartbeat?: Heartbeat,
    private readonly backoff = { initialMs: 250, maxMs: 10_000 },
  ) {}

  get connected(): boolean {
    return this.subscription !== undefined;
  }

  /** PostgreSQL pid of the listening connection (tests terminate it to simulate loss). */
  get backendPid(): number | undefined {
    return this.subscription?.backendPid;
  }

  /** Resolves after the first attempt, connected or not (a failed attempt keeps retrying). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    const subscription = this.subscription;
    this.subscription = undefined;
    this.setCacheEnabled(false);
    await subscription?.close();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let current: NotificationSubscription | undefined;
    let lostEarly = false;
    try {
      current = await this.database.listen(CHANGE_CHANNEL, {
        onNotification: (payload) => this.handle(payload),
        onDisconnect: (error) => {
          if (current === undefined) lostEarly = true;
          else this.lost(current, error);
        },
      });
    } catch (error) {
      this.events.onStateChange?.(false, error);
      this.scheduleRetry();
      return;
    }
    if (this.stopped || lostEarly) {
      await current.close();
      if (lostEarly) this.scheduleRetry();
      return;
    }
    this.subscription = current;
    this.attempt = 0;
    this.setCacheEnabled(true);
    this.events.onStateChange?.(true);
    this.scheduleHeartbeat();
  }

  private handle(payload: string): void {
    if (payload.startsWith(PROBE_PREFIX)) {
      if (this.pendingProbe?.payload === payload) {
        clearTimeout(this.pendingProbe.deadline);
        this.pendingProbe = undefined;
        this.scheduleHeartbeat();
      }
      return;
    }
    const tags = payload.split(" ").filter((tag) => tag !== "");
    if (tags.length === 0) return;
    this.invalidate(tags);
    this.events.onNotification?.(tags);
  }

  /** One probe in flight at a time: the next is sent an interval after the last came back. */
  private scheduleHeartbeat(): void {
    const heartbeat = this.heartbeat;
    if (!heartbeat || heartbeat.intervalMs <= 0 || this.stopped || this.heartbeatTimer) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      const subscription = this.subscription;
      if (!subscription || this.stopped) return;
      const payload = `${PROBE_PREFIX}${randomBytes(8).toString("hex")}`;
      const deadline = setTimeout(() => this.lost(subscription, new Error(`heartbeat: probe not received within ${heartbeat.intervalMs} ms`)), heartbeat.intervalMs);
      deadline.unref();
      this.pendingProbe = { payload, deadline };
      heartbeat.send(payload).catch((error: unknown) => this.lost(subscription, error));
    }, heartbeat.intervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.pendingProbe) clearTimeout(this.pendingProbe.deadline);
    this.pendingProbe = undefined;
  }

  private lost(subscription: NotificationSubscription, error: unknown): void {
    if (this.subscription !== subscription) return;
    this.stopHeartbeat();
    this.subscription = undefined;
    this.setCacheEnabled(false);
    this.events.onStateChange?.(false, error);
    void subscription.close();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}
