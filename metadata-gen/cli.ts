// `token-sidecar metadata generate | check`. Paths are relative to the working directory; the
// database (DATABASE_URL, or the one a test injects) is only read, to check names against it, and
// is optional: without it the metadata alone is the reference. Exit codes: generate fails with 65
// on a bad policy or metadata directory; check exits 0 when current, 2 on drift, 1 on any error.

import path from "node:path";
import type { Command } from "commander";
import type { Kysely } from "kysely";
import type { CliContext } from "../cli/context";
import { EXIT } from "../cli/exit-codes";
import type { CommandResult } from "../cli/main";
import { openDatabase } from "../webhook/db/connection";
import { errorMessage, InvalidInputError, SidecarError } from "../webhook/errors";
import { driftReport } from "./check";
import { MetadataError, PolicyError } from "./errors";
import { plan, type Plan } from "./generate";
import { writeFiles } from "./metadata";

interface Options {
  policy: string;
  metadata: string;
  views: string;
  offline?: boolean;
}

export function registerMetadataCommands(program: Command, ctx: CliContext, result: CommandResult): void {
  const metadata = program.command("metadata").description("generate and check the Hasura permissions and access views");
  const withOptions = (command: Command) =>
    command
      .option("--policy <file>", "the policy file", "hasura/policy.yaml")
      .option("--metadata <dir>", "the Hasura metadata directory", "hasura/metadata")
      .option("--views <file>", "the access views migration (its .down.sql is written beside it)", "migrations/repeatable/access_views.sql")
      .option("--offline", "do not check names against the database, even when DATABASE_URL is set");

  withOptions(metadata.command("generate"))
    .description("write the service/collab permissions, the access view's table file and the views SQL from the policy")
    .action(async (options: Options) => {
      try {
        const generated = await makePlan(ctx, options);
        writeFiles(generated.files);
        printNotes(ctx, generated);
        if (generated.files.length === 0) ctx.io.stdout("nothing to write: the metadata and the views match the policy\n");
        else ctx.io.stdout(`wrote ${generated.files.length} file(s):\n${generated.files.map((f) => `  ${f.label}\n`).join("")}`);
      } catch (error) {
        if (!(error instanceof PolicyError || error instanceof MetadataError)) throw error;
        ctx.io.stderr(`token-sidecar: ${error.message}\nnothing was written\n`);
        result.code = EXIT.invalidInput;
      }
    });

  withOptions(metadata.command("check"))
    .description("exit 0 when the committed metadata and views match the policy, 2 on drift, 1 on error")
    .action(async (options: Options) => {
      try {
        const current = await makePlan(ctx, options);
        printNotes(ctx, current);
        if (current.files.length === 0) {
          ctx.io.stdout("metadata and access views match the policy\n");
          return;
        }
        ctx.io.stdout(driftReport(current));
        result.code = EXIT.drift;
      } catch (error) {
        // The check itself could not run: exit 1, whatever kind of failure it was.
        ctx.io.stderr(`token-sidecar: ${error instanceof SidecarError ? error.message : `cannot check: ${errorMessage(error)}`}\n`);
        result.code = EXIT.failure;
      }
    });
}

async function makePlan(ctx: CliContext, options: Options): Promise<Plan> {
  if (!options.views.endsWith(".sql") || options.views.endsWith(".down.sql")) {
    throw new InvalidInputError("--views must name the up migration, a .sql file (its .down.sql is derived from it)");
  }
  const cwd = ctx.io.cwd;
  return withOptionalDatabase(ctx, options.offline === true, (db) =>
    plan({
      policyFile: path.resolve(cwd, options.policy),
      metadataDir: path.resolve(cwd, options.metadata),
      viewsFile: path.resolve(cwd, options.views),
      cwd,
      db,
    }),
  );
}

async function withOptionalDatabase<T>(ctx: CliContext, offline: boolean, run: (db: Kysely<any> | undefined) => Promise<T>): Promise<T> {
  if (offline) return run(undefined);
  if (ctx.database) return run(ctx.database.db);
  const url = ctx.io.env.DATABASE_URL;
  if (!url) return run(undefined);
  const handle = await openDatabase({ databaseUrl: url, poolMax: 1 });
  try {
    return await run(handle.db);
  } finally {
    await handle.close();
  }
}

function printNotes(ctx: CliContext, current: Plan): void {
  for (const note of current.notes) ctx.io.stderr(`note: ${note}\n`);
}
