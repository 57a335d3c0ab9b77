// Repeatable migrations: idempotent SQL files in `repeatable/` (the generated access views) that
// are re-applied whenever their content changes, after the numbered migrations. Each runs in its
// own transaction under a transaction-level advisory lock; its checksum is recorded on success.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { MigrationError } from "../webhook/errors";
import { packageRoot } from "../webhook/package-root";
import { describeSqlError, runScript, tableExists, type MigrationState, type MigrationStep, type RunnerOptions } from "./runner";

const TABLE = "sidecar_repeatable_migration";
// Any stable 64-bit number; distinct from Kysely's migration lock id.
const LOCK_KEY = 7_205_311_019;

interface RepeatableFile {
  readonly name: string;
  readonly file: string;
  readonly downFile: string;
  readonly checksum: string;
}

function repeatableFiles(options: RunnerOptions): RepeatableFile[] {
  const directory = path.join(options.migrationsDir ?? path.join(packageRoot(), "migrations"), "repeatable");
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory)
    .filter((f) => f.endsWith(".sql") && !f.endsWith(".down.sql"))
    .sort()
    .map((f) => {
      const file = path.join(directory, f);
      const name = f.slice(0, -".sql".length);
      const checksum = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
      return { name, file, downFile: path.join(directory, `${name}.down.sql`), checksum };
    });
}

// CREATE TABLE IF NOT EXISTS does not guard against itself: two runs that both find the table
// missing both create it, and one fails on the catalog's unique index ("type ... already exists").
// Under the lock that serializes the files, the second run sees the first one's table and skips.
async function ensureTable(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS sidecar_repeatable_migration (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
  });
}

export async function applyRepeatables(db: Kysely<any>, options: RunnerOptions): Promise<MigrationStep[]> {
  const files = repeatableFiles(options);
  if (files.length === 0) return [];
  await ensureTable(db);
  const steps: MigrationStep[] = [];
  for (const repeatable of files) {
    const applied = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
      const current = await trx.selectFrom(TABLE).select("checksum").where("name", "=", repeatable.name).executeTakeFirst();
      if (current?.checksum === repeatable.checksum) return false;
      try {
        await runScript(trx, repeatable.file);
      } catch (error) {
        throw new MigrationError(path.relative(process.cwd(), repeatable.file), describeSqlError(error, repeatable.file), { cause: error });
      }
      await trx
        .insertInto(TABLE)
        .values({ name: repeatable.name, checksum: repeatable.checksum })
        .onConflict((oc) => oc.column("name").doUpdateSet({ checksum: repeatable.checksum, applied_at: sql`now()` }))
        .execute();
      return true;
    });
    if (applied) {
      const step: MigrationStep = { track: "repeatable", name: repeatable.name, direction: "up" };
      steps.push(step);
      options.onStep?.(step);
    }
  }
  return steps;
}

export async function dropRepeatables(db: Kysely<any>, options: RunnerOptions): Promise<MigrationStep[]> {
  if (!(await tableExists(db, TABLE))) return [];
  const steps: MigrationStep[] = [];
  for (const repeatable of repeatableFiles(options).reverse()) {
    const dropped = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
      const current = await trx.selectFrom(TABLE).select("name").where("name", "=", repeatable.name).executeTakeFirst();
      if (!current) return false;
      if (fs.existsSync(repeatable.downFile)) {
        try {
          await runScript(trx, repeatable.downFile);
        } catch (error) {
          throw new MigrationError(path.relative(process.cwd(), repeatable.downFile), describeSqlError(error, repeatable.downFile), { cause: error });
        }
      }
      await trx.deleteFrom(TABLE).where("name", "=", repeatable.name).execute();
      return true;
    });
    if (dropped) {
      const step: MigrationStep = { track: "repeatable", name: repeatable.name, direction: "down" };
      steps.push(step);
      options.onStep?.(step);
    }
  }
  return steps;
}

export async function repeatableStatus(db: Kysely<any>, options: RunnerOptions): Promise<MigrationState[]> {
  const files = repeatableFiles(options);
  const recorded = (await tableExists(db, TABLE))
    ? await db.selectFrom(TABLE).select(["name", "checksum", "applied_at"]).execute()
    : [];
  return files.map((f) => {
    const row = recorded.find((r: { name: string }) => r.name === f.name) as { checksum: string; applied_at: Date } | undefined;
    return { track: "repeatable" as const, name: f.name, appliedAt: row && row.checksum === f.checksum ? row.applied_at : undefined };
  });
}
