// What each command runs with: the parsed configuration and an open database. Commands ask for
// the database through withDatabase(), which opens it (the embedded one is migrated and seeded on
// first use, like `serve` does), runs the command and always closes it. Tests inject a handle.

import path from "node:path";
import { loadConfig, type Config } from "../webhook/config";
import { openDatabase, type DatabaseHandle } from "../webhook/db/connection";
import { prepareEmbeddedDatabase } from "../webhook/db/embedded";
import type { CliIo } from "./io";

export interface CliContext {
  readonly io: CliIo;
  /** A database opened by the caller (tests); commands then never close it. */
  readonly database?: DatabaseHandle;
  /** Pins the clock (tests). */
  readonly now?: () => Date;
}

export function cliConfig(ctx: CliContext): Config {
  return loadConfig(ctx.io.env, { purpose: "cli" });
}

export async function withDatabase<T>(ctx: CliContext, run: (handle: DatabaseHandle, config: Config) => Promise<T>): Promise<T> {
  const config = cliConfig(ctx);
  if (ctx.database) return run(ctx.database, config);
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    embeddedDataDir: path.resolve(ctx.io.cwd, config.embeddedDataDir),
    poolMax: 2,
  });
  try {
    if (handle.kind === "pglite") await prepareEmbeddedDatabase(handle.db);
    return await run(handle, config);
  } finally {
    await handle.close();
  }
}
