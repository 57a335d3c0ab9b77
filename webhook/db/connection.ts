// Opens the database the configuration names: a pg Pool on DATABASE_URL, or the embedded PGlite
// database in a data directory. Both give the same Kysely<Database> and the same LISTEN interface,
// so the rest of the code never asks which one it has.

import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { lockDataDir } from "./data-dir-lock";
import { discardingTimedOutClients } from "./discarding-pool";
import { quoteIdentifier } from "./identifiers";
import { PGliteDialect } from "./pglite-dialect";
import type { Database } from "./schema";

export interface NotificationSubscription {
  /** PostgreSQL backend pid of the listening connection (undefined on the embedded database). */
  readonly backendPid: number | undefined;
  close(): Promise<void>;
}

export interface ListenHandlers {
  onNotification(payload: string): void;
  /** The listening connection is gone; notifications may have been missed. */
  onDisconnect(error: unknown): void;
}

export interface DatabaseHandle {
  readonly kind: "postgres" | "pglite";
  readonly db: Kysely<Database>;
  /** Opens a dedicated connection that LISTENs on `channel`. */
  listen(channel: string, handlers: ListenHandlers): Promise<NotificationSubscription>;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl: string | undefined;
  embeddedDataDir?: string;
  poolMax?: number;
  /** Client-side limit on each pool query (unset: none, as migrations may run long). */
  queryTimeoutMs?: number;
  /** Reports pool-level errors of idle connections (they must not crash the process). */
  onPoolError?: (error: Error) => void;
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolMax ?? 10, options.onPoolError, options.queryTimeoutMs);
  return openEmbedded(options.embeddedDataDir ?? "./.data");
}

// TCP keepalive on every connection, so the kernel eventually notices a peer that vanished
// without closing (the listener's heartbeat notices much sooner; this covers idle pool members).
const KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 };

function openPostgres(url: string, poolMax: number, onPoolError?: (error: Error) => void, queryTimeoutMs?: number): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, connectionTimeoutMillis: 5000, query_timeout: queryTimeoutMs, ...KEEPALIVE });
  pool.on("error", (error) => onPoolError?.(error));
  // pg-pool listens for errors only on idle clients; one whose connection drops while checked out
  // would otherwise emit an unhandled 'error' and take the process down.
  pool.on("connect", (client) => client.on("error", (error) => onPoolError?.(error)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: discardingTimedOutClients(pool) }) });
  return {
    kind: "postgres",
    db,
    async listen(channel, handlers) {
      // query_timeout bounds the LISTEN itself: a server that accepts the connection and never
      // answers must not leave the listener waiting forever instead of retrying.
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, query_timeout: 5000, ...KEEPALIVE });
      let closing = false;
      let reported = false;
      const disconnect = (error: unknown) => {
        if (closing || reported) return;
        reported = true;
        handlers.onDisconnect(error);
      };
      client.on("notification", (message) => {
        if (message.channel === channel) handlers.onNotification(message.payload ?? "");
      });
      client.on("error", disconnect);
      client.on("end", () => disconnect(new Error("listener connection ended")));
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (error) {
        closing = true;
        await client.end().catch(() => undefined);
        throw error;
      }
      const backendPid = (client as unknown as { processID?: number }).processID;
      return {
        backendPid,
        async close() {
          closing = true;
          await client.end().catch(() => undefined);
        },
      };
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openEmbedded(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite, types } = await import("@electric-sql/pglite");
  const inMemory = dataDir === ":memory:";
  const releaseLock = inMemory ? () => undefined : lockDataDir(dataDir);
  let pglite;
  try {
    // int8 as string, as pg returns it, so ids look the same on both backends.
    const parsers = { [types.INT8]: (value: string) => value };
    pglite = inMemory ? await PGlite.create({ parsers }) : await PGlite.create(dataDir, { parsers });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const instance = pglite;
  const db = new Kysely<Database>({ dialect: new PGliteDialect(instance) });
  return {
    kind: "pglite",
    db,
    async listen(channel, handlers) {
      const unlisten = await instance.listen(channel, (payload) => handlers.onNotification(payload));
      return {
        backendPid: undefined,
        async close() {
          await unlisten().catch(() => undefined);
        },
      };
    },
    async close() {
      try {
        await db.destroy();
      } finally {
        // Released even if closing fails, or this process could never open the directory again.
        await instance.close().catch(() => undefined);
        releaseLock();
      }
    },
  };
}
