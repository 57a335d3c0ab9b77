// Runs the whole `token-sidecar` CLI in-process against a test database, with captured output, a
// pinned clock and cheap Argon2 parameters (override any setting through `env`).
//
//   const cli = cliRunner(testDb.handle, { now: () => NOW });
//   const { code, out, err } = await cli(["tokens", "create", "--creator", "alice", ...]);
//   const created = await cli.json(["tokens", "create", ..., "--json"]);   // asserts exit 0

import type { DatabaseHandle } from "../../webhook/db/connection";
import { run } from "../../cli/main";
import { bufferIo } from "../../cli/io";
import { CHEAP_ARGON2_ENV } from "./seed";

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface CliRunner {
  (args: readonly string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** Runs, expects exit 0 and empty stderr, and parses stdout as JSON. */
  json<T = any>(args: readonly string[], env?: Record<string, string | undefined>): Promise<T>;
}

export function cliRunner(handle: DatabaseHandle | undefined, options: { now?: () => Date; env?: Record<string, string | undefined>; cwd?: string } = {}): CliRunner {
  const runner = (async (args, env) => {
    const io = bufferIo({ ...CHEAP_ARGON2_ENV, ...options.env, ...env }, options.cwd);
    const code = await run(args, { io, database: handle, now: options.now });
    return { code, out: io.out(), err: io.err() };
  }) as CliRunner;
  runner.json = async (args, env) => {
    const result = await runner(args, env);
    if (result.code !== 0 || result.err !== "") {
      throw new Error(`token-sidecar ${args.join(" ")} exited ${result.code}\nstdout: ${result.out}\nstderr: ${result.err}`);
    }
    return JSON.parse(result.out);
  };
  return runner;
}
