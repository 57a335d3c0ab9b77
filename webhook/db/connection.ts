// Opens the database the configuration names: a pg Pool on DATABASE_URL, or the embedded PGlite
// database in a data directory. Both give the same Kysely<Database> and the same LISTEN interface,
// so the rest of the code never asks which one it has.

import fs from "node:fs";
import path from "node:path";
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from "kysely";
import pg from "pg";
import { EmbeddedDatabaseBusyError } from "../errors";
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

/**
 * The pool as Kysely sees it, except that a client whose query timed out is destroyed when it is
 * released rather than reused: its socket is most likely dead, and reused it would time out every
 * later query too, for as long as the kernel takes to notice.
 */
function discardingTimedOutClients(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let timedOut = false;
    const query = (...args: unknown[]) => {
      const result = (client.query as (...a: unknown[]) => unknown)(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        if ((error as Error | undefined)?.message === "Query read timeout") timedOut = true;
        throw error;
      });
    };
    const release = (destroy?: boolean) => {
      const discard = destroy === true || timedOut;
      timedOut = false;
      client.release(discard);
    };
    return { query, release } as PostgresPoolClient;
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
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

/** Data directories this process has open: the pid file cannot tell two opens in one process apart. */
const openInThisProcess = new Set<string>();

/**
 * PGlite must only ever be opened once at a time (two instances on one directory corrupt it): a
 * pid file in the data directory says which process has it, and a set says whether this one does.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const key = fs.realpathSync(dataDir);
  const lockFile = path.join(dataDir, "sidecar.pid");
  if (openInThisProcess.has(key)) {
    throw new EmbeddedDatabaseBusyError(`the embedded database in ${dataDir} is in use: this process already has it open; close it first, or set DATABASE_URL`);
  }
  // Exclusive create, so two processes starting at once cannot both take a free directory.
  if (!createLockFile(lockFile)) {
    const holder = readLockHolder(lockFile);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new EmbeddedDatabaseBusyError(
        `the embedded database in ${dataDir} is in use by process ${holder}; stop it first, or set DATABASE_URL`,
      );
    }
    // Left by a process that is gone, or by this one without a release: take it over.
    fs.writeFileSync(lockFile, String(process.pid));
  }
  openInThisProcess.add(key);
  let released = false;
  return () => {
    // Idempotent: a second close must not release a later open of the same directory.
    if (released) return;
    released = true;
    openInThisProcess.delete(key);
    if (readLockHolder(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
  };
}

function createLockFile(lockFile: string): boolean {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function readLockHolder(lockFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
