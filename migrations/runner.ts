// Runs the numbered SQL files of this folder with Kysely's Migrator: one migration per transaction
// (we step one at a time, so a failure rolls back only that file and keeps the ones before it),
// serialized across processes by the Migrator's session advisory lock. Two tracks are kept apart:
// `reference/` (the optional Ghostwriter-shaped app schema) and the core credential migrations,
// each recorded in its own table so a Ghostwriter database never sees reference rows.

import fs from "node:fs";
import path from "node:path";
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResult } from "kysely";
import { MigrationError, errorMessage } from "../webhook/errors";
import { packageRoot } from "../webhook/package-root";
import { applyRepeatables, dropRepeatables, repeatableStatus } from "./repeatable";

export type TrackName = "reference" | "core";

interface Track {
  readonly name: TrackName;
  readonly directory: string;
  readonly table: string;
  readonly lockTable: string;
}

export function tracks(migrationsDir = path.join(packageRoot(), "migrations")): Record<TrackName, Track> {
  return {
    reference: {
      name: "reference",
      directory: path.join(migrationsDir, "reference"),
      table: "sidecar_reference_migration",
      lockTable: "sidecar_reference_migration_lock",
    },
    core: { name: "core", directory: migrationsDir, table: "sidecar_migration", lockTable: "sidecar_migration_lock" },
  };
}

export interface MigrationStep {
  readonly track: TrackName | "repeatable";
  readonly name: string;
  readonly direction: "up" | "down";
}

export interface MigrationState {
  readonly track: TrackName | "repeatable";
  readonly name: string;
  readonly appliedAt: Date | undefined;
}

export interface RunnerOptions {
  readonly migrationsDir?: string;
  /** Log line for each applied step (the CLI prints them). */
  readonly onStep?: (step: MigrationStep) => void;
}

/**
 * Applies pending migrations. With `referenceSchema`, first creates the reference app schema —
 * unless app tables already exist that this project did not create (a Ghostwriter database).
 */
export async function migrateUp(
  db: Kysely<any>,
  options: RunnerOptions & { referenceSchema?: boolean } = {},
): Promise<{ steps: MigrationStep[]; referenceSkipped: boolean }> {
  const all = tracks(options.migrationsDir);
  const steps: MigrationStep[] = [];
  let referenceSkipped = false;
  if (options.referenceSchema) {
    // users_user first: it commits together with our record of the reference schema, so once it is
    // visible the record is too. Asked the other way round, a concurrent run committing between
    // the two reads would look like a Ghostwriter database.
    const appTables = await tableExists(db, "users_user");
    if (!appTables || (await appliedNames(db, all.reference)).length > 0) {
      steps.push(...(await stepUp(db, all.reference, options.onStep)));
    } else {
      referenceSkipped = true;
    }
  }
  steps.push(...(await stepUp(db, all.core, options.onStep)));
  steps.push(...(await applyRepeatables(db, options)));
  return { steps, referenceSkipped };
}

/** Creates only the reference app schema (tests start from "Ghostwriter's app tables, no api_*"). */
export async function applyReferenceSchema(db: Kysely<any>, options: RunnerOptions = {}): Promise<MigrationStep[]> {
  return stepUp(db, tracks(options.migrationsDir).reference, options.onStep);
}

/**
 * Rolls back `steps` core migrations (default 1). `all` rolls back every core migration and the
 * repeatable views, and with `referenceSchema` the reference schema too. Otherwise the views are
 * dropped only when a step cannot run while they exist; the next `migrateUp` re-creates them.
 */
export async function migrateDown(
  db: Kysely<any>,
  options: RunnerOptions & { steps?: number; all?: boolean; referenceSchema?: boolean } = {},
): Promise<MigrationStep[]> {
  const all = tracks(options.migrationsDir);
  const done: MigrationStep[] = [];
  if (options.all) done.push(...(await dropRepeatables(db, options)));
  const coreSteps = options.all ? Number.POSITIVE_INFINITY : (options.steps ?? 1);
  try {
    await stepDown(db, all.core, coreSteps, options.onStep, done);
  } catch (error) {
    // The views read the credential tables, so a down file dropping one of those fails while they
    // exist (and a down file may not drop them itself: their checksum would stay recorded and `up`
    // would skip them). Only then are they taken down — the failed step was rolled back — and the
    // remaining steps retried; a rollback that leaves their tables alone keeps Hasura's views.
    if (!dependentObjectsExist(error)) throw error;
    const remaining = coreSteps - done.filter((step) => step.track === "core").length;
    done.push(...(await dropRepeatables(db, options)));
    done.push(...(await stepDown(db, all.core, remaining, options.onStep)));
  }
  if (options.all && options.referenceSchema) {
    done.push(...(await stepDown(db, all.reference, Number.POSITIVE_INFINITY, options.onStep)));
  }
  return done;
}

export async function migrationStatus(db: Kysely<any>, options: RunnerOptions = {}): Promise<MigrationState[]> {
  const all = tracks(options.migrationsDir);
  const states: MigrationState[] = [];
  for (const track of [all.reference, all.core]) {
    const applied = (await tableExists(db, track.table)) ? await migratorFor(db, track).getMigrations() : undefined;
    const names = applied?.map((m) => ({ name: m.name, appliedAt: m.executedAt })) ??
      Object.keys(await new SqlFileProvider(track.directory).getMigrations()).sort().map((name) => ({ name, appliedAt: undefined }));
    for (const { name, appliedAt } of names) states.push({ track: track.name, name, appliedAt });
  }
  states.push(...(await repeatableStatus(db, options)));
  return states;
}

async function stepUp(db: Kysely<any>, track: Track, onStep?: (s: MigrationStep) => void): Promise<MigrationStep[]> {
  const migrator = migratorFor(db, track);
  const steps: MigrationStep[] = [];
  for (;;) {
    const { error, results } = await migrator.migrateUp();
    const step = reportResults(track, "up", results, error);
    if (!step) return steps;
    steps.push(step);
    onStep?.(step);
  }
}

/** `steps` collects each step as it is made, so a caller still knows them when a later one fails. */
async function stepDown(db: Kysely<any>, track: Track, count: number, onStep?: (s: MigrationStep) => void, steps: MigrationStep[] = []): Promise<MigrationStep[]> {
  if (!(await tableExists(db, track.table))) return [];
  const migrator = migratorFor(db, track);
  const start = steps.length;
  while (steps.length - start < count) {
    const { error, results } = await migrator.migrateDown();
    const step = reportResults(track, "down", results, error);
    if (!step) break;
    steps.push(step);
    onStep?.(step);
  }
  return steps.slice(start);
}

/** PostgreSQL's dependent_objects_still_exist (2BP01), as the cause of a failed migration. */
function dependentObjectsExist(error: unknown): boolean {
  const cause = error instanceof MigrationError ? (error as { cause?: unknown }).cause : undefined;
  return (cause as { code?: string } | undefined)?.code === "2BP01";
}

/** Turns one Migrator call's outcome into the step it made, or a MigrationError naming the file. */
function reportResults(
  track: Track,
  direction: "up" | "down",
  results: MigrationResult[] | undefined,
  error: unknown,
): MigrationStep | undefined {
  const failed = results?.find((r) => r.status === "Error");
  // Our own provider's refusals (a badly named file) already name their file: pass them on as-is
  // rather than wrap them in a second "migration <directory> failed".
  if (error instanceof MigrationError) throw error;
  if (error !== undefined || failed) {
    const name = failed?.migrationName ?? `(${track.name} migrations)`;
    const file = failed ? path.join(track.directory, `${name}.${direction}.sql`) : track.directory;
    throw new MigrationError(displayPath(file), describeSqlError(error, file), { cause: error });
  }
  const done = results?.find((r) => r.status === "Success");
  return done ? { track: track.name, name: done.migrationName, direction } : undefined;
}

function migratorFor(db: Kysely<any>, track: Track): Migrator {
  return new Migrator({
    db,
    provider: new SqlFileProvider(track.directory),
    migrationTableName: track.table,
    migrationLockTableName: track.lockTable,
  });
}

async function appliedNames(db: Kysely<any>, track: Track): Promise<string[]> {
  if (!(await tableExists(db, track.table))) return [];
  const rows = await db.selectFrom(track.table).select("name").execute();
  return rows.map((r: { name: string }) => r.name);
}

export async function tableExists(db: Kysely<any>, table: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`SELECT to_regclass(${table}) IS NOT NULL AS found`.execute(db);
  return rows[0]?.found === true;
}

/** `NNNN_name.up.sql` (and optionally `NNNN_name.down.sql`) files of one directory. */
export class SqlFileProvider implements MigrationProvider {
  constructor(private readonly directory: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    const files = fs.existsSync(this.directory) ? fs.readdirSync(this.directory) : [];
    for (const file of files.filter((f) => f.endsWith(".up.sql")).sort()) {
      const name = file.slice(0, -".up.sql".length);
      if (!/^\d{4}_[a-z0-9_]+$/.test(name)) {
        throw new MigrationError(displayPath(path.join(this.directory, file)), "file names must look like 0001_some_name.up.sql");
      }
      const upFile = path.join(this.directory, file);
      const downFile = path.join(this.directory, `${name}.down.sql`);
      migrations[name] = {
        up: (db) => runScript(db, upFile),
        down: async (db) => {
          if (!fs.existsSync(downFile)) throw new Error(`no ${path.basename(downFile)}: this migration is forward-only`);
          await runScript(db, downFile);
        },
      };
    }
    return migrations;
  }
}

/** A migration file as error messages show it: relative to the working directory when possible. */
function displayPath(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

export async function runScript(db: Kysely<any>, file: string): Promise<void> {
  await sql.raw(fs.readFileSync(file, "utf8")).execute(db);
}

/** PostgreSQL's message, with the line of the file it points at when it gives a position. */
export function describeSqlError(error: unknown, file: string): string {
  const details = error as { position?: string | number; detail?: string; hint?: string; where?: string } | undefined;
  let message = errorMessage(error);
  const position = Number(details?.position);
  if (Number.isInteger(position) && position > 0 && fs.existsSync(file)) {
    const line = fs.readFileSync(file, "utf8").slice(0, position).split("\n").length;
    message += ` (line ${line})`;
  }
  if (details?.detail) message += `; ${details.detail}`;
  if (details?.hint) message += `; hint: ${details.hint}`;
  return message;
}
