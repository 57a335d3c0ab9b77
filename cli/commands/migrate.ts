// `token-sidecar migrate up | down | status`.

import type { Command } from "commander";
import { migrateDown, migrateUp, migrationStatus, type MigrationStep } from "../../migrations/runner";
import { InvalidInputError } from "../../webhook/errors";
import { withDatabase, type CliContext } from "../context";
import { printJson, printTable } from "../output";

export function registerMigrateCommands(program: Command, ctx: CliContext): void {
  const migrate = program.command("migrate").description("apply or roll back the database migrations");
  const say = (step: MigrationStep) => ctx.io.stderr(`${step.direction === "up" ? "applied" : "rolled back"} ${step.track}/${step.name}\n`);

  migrate
    .command("up")
    .description("apply every pending migration (each in its own transaction, one process at a time)")
    .option("--reference-schema", "first create the reference app schema (Ghostwriter's tables) when absent")
    .option("--json", "print the applied steps as JSON")
    .action(async (options: { referenceSchema?: boolean; json?: boolean }) => {
      await withDatabase(ctx, async (handle) => {
        const { steps, referenceSkipped } = await migrateUp(handle.db, { referenceSchema: options.referenceSchema, onStep: say });
        if (referenceSkipped) ctx.io.stderr("app tables already exist (a Ghostwriter database?): reference schema not applied\n");
        if (options.json) printJson(ctx.io, { applied: steps, referenceSkipped });
        else ctx.io.stdout(steps.length === 0 ? "nothing to apply: the database is up to date\n" : `applied ${steps.length} migration(s)\n`);
      });
    });

  migrate
    .command("down")
    .description("roll back the latest core migration (or --steps N, or --all); the generated views are dropped only when a step needs it, and the next `up` re-creates them")
    .option("--steps <n>", "how many core migrations to roll back", "1")
    .option("--all", "roll back every core migration and the generated views")
    .option("--reference-schema", "with --all: also drop the reference app schema (only if this tool created it)")
    .option("--json", "print the rolled back steps as JSON")
    .action(async (options: { steps: string; all?: boolean; referenceSchema?: boolean; json?: boolean }) => {
      if (!/^\d+$/.test(options.steps) || Number(options.steps) < 1) throw new InvalidInputError("--steps must be a whole number of at least 1");
      if (options.referenceSchema && !options.all) throw new InvalidInputError("--reference-schema goes with --all");
      await withDatabase(ctx, async (handle) => {
        const steps = await migrateDown(handle.db, { steps: Number(options.steps), all: options.all, referenceSchema: options.referenceSchema, onStep: say });
        if (options.json) printJson(ctx.io, { rolledBack: steps });
        else ctx.io.stdout(steps.length === 0 ? "nothing to roll back\n" : `rolled back ${steps.length} migration(s)\n`);
      });
    });

  migrate
    .command("status")
    .description("list migrations and whether each is applied")
    .option("--json", "print as JSON")
    .action(async (options: { json?: boolean }) => {
      await withDatabase(ctx, async (handle) => {
        const states = await migrationStatus(handle.db);
        if (options.json) printJson(ctx.io, states.map((s) => ({ track: s.track, name: s.name, applied: s.appliedAt !== undefined, appliedAt: s.appliedAt ?? null })));
        else printTable(ctx.io, ["TRACK", "MIGRATION", "APPLIED AT"], states.map((s) => [s.track, s.name, s.appliedAt ?? "pending"]));
      });
    });
}
