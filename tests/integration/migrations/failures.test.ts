// A failing migration: the runner throws a MigrationError naming the file and carrying
// PostgreSQL's message (with the line), the CLI exits with EXIT.migrationFailed, the files before
// it stay applied, and the failed one leaves nothing behind (its transaction is rolled back), so a
// corrected file applies cleanly. Uses throw-away migration directories, plus the real
// migrations on a database with no app tables for the CLI.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { EXIT, exitCodeFor } from "../../../cli/exit-codes";
import { migrateDown, migrateUp, migrationStatus, type MigrationStep } from "../../../migrations/runner";
import { MigrationError } from "../../../webhook/errors";
import { cliRunner } from "../../support/cli";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import { relationNames } from "./catalog";
import { CORE_NAMES, FULL_UP, MIGRATIONS_DIR } from "./files";

type Db = TestDatabase["db"];

function migrationsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hts-migrations-"));
  writeFiles(dir, files);
  return dir;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

async function failure(run: Promise<unknown>): Promise<MigrationError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

const recorded = async (db: Db, table: string) =>
  (await sql<{ name: string }>`SELECT name FROM ${sql.table(table)} ORDER BY name`.execute(db)).rows.map((r) => r.name);

const applied = async (db: Db, dir: string) => (await migrationStatus(db, { migrationsDir: dir })).map((s) => [s.track, s.name, s.appliedAt !== undefined]);

const GOOD = {
  "0001_good.up.sql": "CREATE TABLE good_one (id integer PRIMARY KEY);\nINSERT INTO good_one VALUES (1);\n",
  "0001_good.down.sql": "DROP TABLE good_one;\n",
};

// The failing statement is on line 5; the two before it succeed inside the same transaction.
const BROKEN_UP = "-- a broken migration\nCREATE TABLE broken_leftover (id integer);\nINSERT INTO good_one VALUES (2);\n\nSELECT no_such_column FROM good_one;\n";

describe("a failing numbered migration", () => {
  let testDb: TestDatabase;
  let dir: string;
  const logged: MigrationStep[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase("empty");
    dir = migrationsDir({ ...GOOD, "0002_broken.up.sql": BROKEN_UP, "0002_broken.down.sql": "DROP TABLE broken_leftover;\n" });
  });

  afterAll(async () => {
    await testDb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("throws a MigrationError naming the file, with PostgreSQL's message and the line", async () => {
    const error = await failure(migrateUp(testDb.db, { migrationsDir: dir, onStep: (s) => logged.push(s) }));
    const file = path.join(dir, "0002_broken.up.sql");
    expect(error.code).toBe("MIGRATION_FAILED");
    expect(error.migration).toBe(path.relative(process.cwd(), file));
    expect(error.message).toBe(`migration ${path.relative(process.cwd(), file)} failed: column "no_such_column" does not exist (line 5)`);
    expect(exitCodeFor(error)).toBe(EXIT.migrationFailed);
    expect(EXIT.migrationFailed).toBe(76);
  });

  it("keeps the good migration applied and leaves nothing of the broken one", async () => {
    expect(logged).toEqual([{ track: "core", name: "0001_good", direction: "up" }]);
    expect(await relationNames(testDb.db, "r")).toEqual(["good_one", "sidecar_migration", "sidecar_migration_lock"]);
    expect((await sql<{ id: number }>`SELECT id FROM good_one ORDER BY id`.execute(testDb.db)).rows).toEqual([{ id: 1 }]);
    expect(await recorded(testDb.db, "sidecar_migration")).toEqual(["0001_good"]);
    expect(await applied(testDb.db, dir)).toEqual([
      ["core", "0001_good", true],
      ["core", "0002_broken", false],
    ]);
  });

  it("applies only the corrected file on the next run", async () => {
    writeFiles(dir, { "0002_broken.up.sql": "CREATE TABLE broken_leftover (id integer);\nINSERT INTO good_one VALUES (2);\n" });
    expect((await migrateUp(testDb.db, { migrationsDir: dir })).steps).toEqual([{ track: "core", name: "0002_broken", direction: "up" }]);
    expect((await sql<{ id: number }>`SELECT id FROM good_one ORDER BY id`.execute(testDb.db)).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("a failing down file is named too, and its migration stays applied", async () => {
    writeFiles(dir, { "0002_broken.down.sql": "DROP TABLE broken_leftover;\nDROP TABLE not_there;\n" });
    const error = await failure(migrateDown(testDb.db, { migrationsDir: dir }));
    expect(error.migration).toBe(path.relative(process.cwd(), path.join(dir, "0002_broken.down.sql")));
    expect(error.message).toContain('table "not_there" does not exist');
    expect(await relationNames(testDb.db, "r")).toContain("broken_leftover");
    expect(await recorded(testDb.db, "sidecar_migration")).toEqual(["0001_good", "0002_broken"]);
  });
});

describe("a badly named file, then a failing repeatable migration", () => {
  let testDb: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    testDb = await createTestDatabase("empty");
    dir = migrationsDir({ ...GOOD, "2_Second.up.sql": "SELECT 1;\n" });
  });

  afterAll(async () => {
    await testDb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a bad file name is refused before anything runs, naming that file once", async () => {
    const error = await failure(migrateUp(testDb.db, { migrationsDir: dir }));
    const file = path.relative(process.cwd(), path.join(dir, "2_Second.up.sql"));
    expect(error.migration).toBe(file);
    expect(error.message).toBe(`migration ${file} failed: file names must look like 0001_some_name.up.sql`);
    expect(await relationNames(testDb.db, "r")).not.toContain("good_one");
  });

  it("a failing repeatable is named, rolled back and not recorded; the numbered migrations before it stay", async () => {
    fs.rmSync(path.join(dir, "2_Second.up.sql"));
    writeFiles(dir, { "repeatable/views.sql": "CREATE VIEW good_view AS SELECT id FROM good_one;\nCREATE VIEW bad_view AS SELECT nope FROM good_one;\n" });
    const error = await failure(migrateUp(testDb.db, { migrationsDir: dir }));
    expect(error.migration).toBe(path.relative(process.cwd(), path.join(dir, "repeatable", "views.sql")));
    expect(error.message).toMatch(/column "nope" does not exist \(line 2\)$/);
    expect(await relationNames(testDb.db, "v")).toEqual([]);
    expect(await recorded(testDb.db, "sidecar_repeatable_migration")).toEqual([]);
    expect(await applied(testDb.db, dir)).toEqual([
      ["core", "0001_good", true],
      ["repeatable", "views", false],
    ]);
  });
});

describe("token-sidecar migrate up on a database without the app tables", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase("empty");
  });

  afterAll(async () => {
    await testDb?.close();
  });

  it("exits with EXIT.migrationFailed, naming 0001 and the reason, and leaves no credential table", async () => {
    const cli = cliRunner(testDb.handle);
    const result = await cli(["migrate", "up"]);
    expect(result.code).toBe(EXIT.migrationFailed);
    expect(result.out).toBe("");
    const file = path.relative(process.cwd(), path.join(MIGRATIONS_DIR, `${CORE_NAMES[0]}.up.sql`));
    expect(result.err).toBe(
      `token-sidecar: migration ${file} failed: table users_user does not exist: point DATABASE_URL at a Ghostwriter 7 database, ` +
        "or run `token-sidecar migrate up --reference-schema` to create the reference app schema first\n",
    );
    expect(await relationNames(testDb.db, "rv")).toEqual(["sidecar_migration", "sidecar_migration_lock"]);
    expect(await recorded(testDb.db, "sidecar_migration")).toEqual([]);

    // As the message says: with the reference schema, the same database migrates fully.
    const retry = await cli(["migrate", "up", "--reference-schema", "--json"]);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.out).applied).toEqual(FULL_UP);
  });
});
