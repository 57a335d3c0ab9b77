// The webhook process: parse the configuration, open the database (the embedded one is migrated
// and seeded on first start), refuse to start on a database without the credential tables and
// change triggers, listen, and on SIGTERM/SIGINT stop accepting, let in-flight requests finish,
// flush recorded usage, and close the pool.

import { createServer, type Server } from "node:http";
import path from "node:path";
import { sql } from "kysely";
import { loadConfig } from "./config";
import { openDatabase, type DatabaseHandle } from "./db/connection";
import { prepareEmbeddedDatabase } from "./db/embedded";
import { embeddedJwtSecret } from "./embedded-secret";
import { ConfigError } from "./errors";
import { createLogger, type Logger } from "./logger";
import { createSidecar } from "./service";

export interface RunningServer {
  readonly port: number;
  /** Resolves once the server has shut down. */
  readonly stopped: Promise<void>;
  shutdown(signal?: string): Promise<void>;
}

export interface StartOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Install SIGTERM/SIGINT handlers (the CLI does; in-process tests do not). */
  readonly handleSignals?: boolean;
  readonly logDestination?: import("pino").DestinationStream;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const config = loadConfig(options.env, { purpose: "serve" });
  const logger = createLogger(config.logLevel, options.logDestination);
  const dataDir = path.resolve(options.cwd, config.embeddedDataDir);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    embeddedDataDir: dataDir,
    poolMax: config.databasePoolMax,
    // The webhook's queries are short lookups: one still unanswered after this is on a dead
    // connection (a failover the socket did not notice), and the caller gets a 503, not a hang.
    queryTimeoutMs: 15_000,
    onPoolError: (error) => logger.error({ err: error }, "idle database connection failed"),
  });
  let jwtSecret = config.jwt.secret;
  try {
    if (database.kind === "pglite") {
      const { seeded } = await prepareEmbeddedDatabase(database.db);
      if (config.jwt.accept && !jwtSecret) jwtSecret = embeddedJwtSecret(dataDir);
      logger.info({ dataDir, seeded }, seeded ? "embedded database created with a demo user 'demo', client, two projects and an oplog" : "embedded database opened");
    } else {
      await assertMigrated(database);
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  const sidecar = createSidecar({ config, database, logger, jwtSecret, defaultMetrics: true });
  await sidecar.start();
  const server = await listen(sidecar.app, config.host, config.port);
  const port = (server.address() as { port: number }).port;
  logger.info({ host: config.host, port, database: database.kind }, "token-sidecar listening");

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (signal?: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
      await closeServer(server, config.shutdownTimeoutSeconds * 1000, logger);
      await sidecar.stop();
      await database.close();
      logger.info("stopped");
      logger.flush?.();
      resolveStopped();
    })();
    return shuttingDown;
  };
  if (options.handleSignals) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void shutdown(signal));
  }
  return { port, stopped, shutdown };
}

async function assertMigrated(database: DatabaseHandle): Promise<void> {
  const { rows } = await sql<{ tables: boolean; triggers: boolean }>`
    SELECT to_regclass('api_servicetoken') IS NOT NULL AND to_regclass('api_usersession') IS NOT NULL AS tables,
           EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'sidecar_notify_auth_change') AS triggers`.execute(database.db);
  const problems: string[] = [];
  if (!rows[0]?.tables) problems.push("the credential tables (api_*) are missing: run `token-sidecar migrate up`");
  else if (!rows[0]?.triggers) problems.push("the change-notification triggers are missing, so cached answers could not be revoked: run `token-sidecar migrate up`");
  if (problems.length > 0) throw new ConfigError(problems);
}

function listen(app: import("express").Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Hasura forwards every client header (cookies included); Node's 16 KiB default would answer
    // 431 to a client with large cookies, which Hasura turns into a 500.
    const server = createServer({ maxHeaderSize: 64 * 1024 }, app).listen(port, host);
    server.once("listening", () => resolve(server));
    server.once("error", reject);
    // Hasura keeps connections to the hook alive; keep them longer than its idle timeout.
    server.keepAliveTimeout = 65_000;
  });
}

/** Stops accepting, closes idle keep-alive sockets, and after the grace period drops the rest. */
function closeServer(server: Server, graceMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.warn("grace period over: closing remaining connections");
      server.closeAllConnections();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
