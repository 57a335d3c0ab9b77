// The migration files as the runner will see them, read from the repository, so the expected step
// lists follow the directory when a migration is added (the object lists in catalog.ts do not:
// they are the spec).

import fs from "node:fs";
import path from "node:path";
import type { MigrationStep } from "../../../migrations/runner";

export const MIGRATIONS_DIR = path.resolve(__dirname, "..", "..", "..", "migrations");

function upNames(directory: string): string[] {
  return fs
    .readdirSync(directory)
    .filter((f) => f.endsWith(".up.sql"))
    .map((f) => f.slice(0, -".up.sql".length))
    .sort();
}

export const REFERENCE_NAMES = upNames(path.join(MIGRATIONS_DIR, "reference"));
export const CORE_NAMES = upNames(MIGRATIONS_DIR);
export const REPEATABLE_NAMES = fs
  .readdirSync(path.join(MIGRATIONS_DIR, "repeatable"))
  .filter((f) => f.endsWith(".sql") && !f.endsWith(".down.sql"))
  .map((f) => f.slice(0, -".sql".length))
  .sort();

const step = (track: MigrationStep["track"], direction: MigrationStep["direction"]) => (name: string): MigrationStep => ({ track, name, direction });

/** What `migrate up --reference-schema` applies to an empty database, in order. */
export const FULL_UP: MigrationStep[] = [
  ...REFERENCE_NAMES.map(step("reference", "up")),
  ...CORE_NAMES.map(step("core", "up")),
  ...REPEATABLE_NAMES.map(step("repeatable", "up")),
];

/** What `migrate up` applies to a database that already has the app tables. */
export const CORE_UP: MigrationStep[] = [...CORE_NAMES.map(step("core", "up")), ...REPEATABLE_NAMES.map(step("repeatable", "up"))];

/** What `migrate down --all --reference-schema` rolls back, in order. */
export const FULL_DOWN: MigrationStep[] = [
  ...[...REPEATABLE_NAMES].reverse().map(step("repeatable", "down")),
  ...[...CORE_NAMES].reverse().map(step("core", "down")),
  ...[...REFERENCE_NAMES].reverse().map(step("reference", "down")),
];
