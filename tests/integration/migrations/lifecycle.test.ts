// Migrations on an empty database: `up --reference-schema` creates every table, view, named
// constraint, index and trigger; a second `up` does nothing; `down --all --reference-schema` leaves
// only the runner's bookkeeping; `up` again rebuilds exactly the same schema. Once through the
// runner functions, once through the CLI in-process (output, JSON, partial `down --steps N`).

import { sql } from "kysely";
import { migrateDown, migrateUp, migrationStatus, type MigrationState } from "../../../migrations/runner";
import { EXIT } from "../../../cli/exit-codes";
import { cliRunner } from "../../support/cli";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import {
  ACCESS_VIEWS,
  BOOKKEEPING_TABLES,
  CHANGE_TRIGGERS,
  CREDENTIAL_TABLES,
  NAMED_CONSTRAINTS,
  NAMED_INDEXES,
  SIDECAR_INDEXES,
  catalogSnapshot,
  constraintNames,
  functionNames,
  pair,
  relationNames,
  triggerNames,
} from "./catalog";
import { CORE_NAMES, FULL_DOWN, FULL_UP, REFERENCE_NAMES, REPEATABLE_NAMES } from "./files";

const VIEWS_DOWN = FULL_DOWN.filter((s) => s.track === "repeatable");

const sidecarTriggers = async (db: TestDatabase["db"]) => (await triggerNames(db)).filter((t) => t.split(".")[1]?.startsWith("sidecar_"));

function summary(states: MigrationState[]): Array<[string, string, boolean]> {
  return states.map((s) => [s.track, s.name, s.appliedAt instanceof Date]);
}

function expectedStatus(applied: boolean): Array<[string, string, boolean]> {
  return [
    ...REFERENCE_NAMES.map((n): [string, string, boolean] => ["reference", n, applied]),
    ...CORE_NAMES.map((n): [string, string, boolean] => ["core", n, applied]),
    ...REPEATABLE_NAMES.map((n): [string, string, boolean] => ["repeatable", n, applied]),
  ];
}

async function expectFullyMigrated(db: TestDatabase["db"]): Promise<void> {
  const tables = await relationNames(db, "r");
  expect(tables).toEqual(expect.arrayContaining([...CREDENTIAL_TABLES, "users_user", "rolodex_project", "oplog_oplog"]));
  expect(await relationNames(db, "v")).toEqual(ACCESS_VIEWS);
  expect(await constraintNames(db)).toEqual(expect.arrayContaining(NAMED_CONSTRAINTS.map(([t, n]) => pair(t, n))));
  const indexes = await sql<{ line: string }>`SELECT tablename || '.' || indexname AS line FROM pg_indexes WHERE schemaname = 'public'`.execute(db);
  expect(indexes.rows.map((r) => r.line)).toEqual(expect.arrayContaining([...NAMED_INDEXES, ...SIDECAR_INDEXES].map(([t, n]) => pair(t, n))));
  expect(await sidecarTriggers(db)).toEqual(CHANGE_TRIGGERS);
  expect(await functionNames(db)).toEqual(expect.arrayContaining(["sidecar_notify_auth_change"]));
  // The marker `migrate down` relies on to drop only what the sidecar created.
  const comments = await sql<{ relname: string; comment: string | null }>`
    SELECT relname, obj_description(oid, 'pg_class') AS comment FROM pg_class
    WHERE relname = ANY(${[...CREDENTIAL_TABLES, ...ACCESS_VIEWS]}::text[])`.execute(db);
  expect([...comments.rows].sort((x, y) => (x.relname < y.relname ? -1 : 1))).toEqual([...CREDENTIAL_TABLES, ...ACCESS_VIEWS].sort().map((relname) => ({ relname, comment: "created by hasura-token-sidecar" })));
}

/** After `down --all --reference-schema`: nothing but the runner's own history tables. */
async function expectOnlyBookkeeping(db: TestDatabase["db"]): Promise<void> {
  expect(await relationNames(db, "rvmS")).toEqual(BOOKKEEPING_TABLES);
  expect(await triggerNames(db)).toEqual([]);
  expect(await functionNames(db)).toEqual([]);
  const indexes = await relationNames(db, "i");
  expect(indexes).toEqual(BOOKKEEPING_TABLES.map((t) => `${t}_pkey`).sort());
}

describe("migrations through the runner, on an empty database", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase("empty");
  });

  afterAll(async () => {
    await testDb?.close();
  });

  it("start: an empty database, every migration pending", async () => {
    expect(await catalogSnapshot(testDb.db)).toEqual([]);
    expect(summary(await migrationStatus(testDb.db))).toEqual(expectedStatus(false));
  });

  let firstUp: string[];

  it("up --reference-schema applies every migration once, in order, and creates every object", async () => {
    const logged: unknown[] = [];
    const { steps, referenceSkipped } = await migrateUp(testDb.db, { referenceSchema: true, onStep: (s) => logged.push(s) });
    expect(steps).toEqual(FULL_UP);
    expect(logged).toEqual(FULL_UP);
    expect(referenceSkipped).toBe(false);
    await expectFullyMigrated(testDb.db);
    expect(summary(await migrationStatus(testDb.db))).toEqual(expectedStatus(true));
    firstUp = await catalogSnapshot(testDb.db);
  });

  it("a second up applies nothing and changes nothing", async () => {
    const statusBefore = await migrationStatus(testDb.db);
    expect(await migrateUp(testDb.db, { referenceSchema: true })).toEqual({ steps: [], referenceSkipped: false });
    expect(await catalogSnapshot(testDb.db)).toEqual(firstUp);
    expect(await migrationStatus(testDb.db)).toEqual(statusBefore);
  });

  it("down --all --reference-schema removes every object and marks every migration pending", async () => {
    expect(await migrateDown(testDb.db, { all: true, referenceSchema: true })).toEqual(FULL_DOWN);
    await expectOnlyBookkeeping(testDb.db);
    expect(summary(await migrationStatus(testDb.db))).toEqual(expectedStatus(false));
    expect(await migrateDown(testDb.db, { all: true, referenceSchema: true })).toEqual([]);
  });

  it("up again rebuilds exactly the schema of the first up", async () => {
    expect((await migrateUp(testDb.db, { referenceSchema: true })).steps).toEqual(FULL_UP);
    expect(await catalogSnapshot(testDb.db)).toEqual(firstUp);
  });

  it("down --steps N rolls back core migrations newest first, through the first one, and up restores them", async () => {
    // The newest migration does not touch the tables the access views read: the views stay.
    const newest = CORE_NAMES[CORE_NAMES.length - 1] as string;
    expect(await migrateDown(testDb.db, {})).toEqual([{ track: "core", name: newest, direction: "down" }]);
    const pending = summary(await migrationStatus(testDb.db)).filter(([, , applied]) => !applied);
    expect(pending).toEqual([["core", newest, false]]);
    expect(await relationNames(testDb.db, "v")).toEqual(ACCESS_VIEWS);
    expect((await migrateUp(testDb.db)).steps).toEqual([{ track: "core", name: newest, direction: "up" }]);
    expect(await catalogSnapshot(testDb.db)).toEqual(firstUp);

    // Every core migration: the views go down just before the one that drops the tables they read.
    const [first, ...later] = CORE_NAMES.map((name) => ({ track: "core", name, direction: "down" }));
    expect(await migrateDown(testDb.db, { steps: CORE_NAMES.length })).toEqual([...later.reverse(), ...VIEWS_DOWN, first]);
    const tables = await relationNames(testDb.db, "r");
    expect(tables.filter((t) => CREDENTIAL_TABLES.includes(t))).toEqual([]);
    expect(tables).toContain("users_user");
    expect(await relationNames(testDb.db, "v")).toEqual([]);
    expect(await sidecarTriggers(testDb.db)).toEqual([]);

    expect((await migrateUp(testDb.db)).steps).toEqual(FULL_UP.filter((s) => s.track !== "reference"));
    expect(await catalogSnapshot(testDb.db)).toEqual(firstUp);
    expect(summary(await migrationStatus(testDb.db))).toEqual(expectedStatus(true));
  });
});

describe("token-sidecar migrate, in-process, on an empty database", () => {
  let testDb: TestDatabase;
  let cli: ReturnType<typeof cliRunner>;

  beforeAll(async () => {
    testDb = await createTestDatabase("empty");
    cli = cliRunner(testDb.handle);
  });

  afterAll(async () => {
    await testDb?.close();
  });

  const statusJson = async () => (await cli.json(["migrate", "status", "--json"])) as Array<{ track: string; name: string; applied: boolean; appliedAt: string | null }>;
  // up/down log each step on stderr, so cli.json (which wants stderr empty) does not fit them.
  const stepsJson = async (args: string[]) => {
    const result = await cli([...args, "--json"]);
    expect(result.code).toBe(0);
    return JSON.parse(result.out);
  };

  it("status lists every migration as pending, as JSON and as a table", async () => {
    const states = await statusJson();
    expect(states.map((s) => [s.track, s.name, s.applied])).toEqual(expectedStatus(false));
    expect(states.every((s) => s.appliedAt === null)).toBe(true);
    const table = await cli(["migrate", "status"]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/TRACK\s+MIGRATION\s+APPLIED AT/);
    for (const name of [...REFERENCE_NAMES, ...CORE_NAMES, ...REPEATABLE_NAMES]) expect(table.out).toMatch(new RegExp(`${name}\\s+pending`));
  });

  it("up --reference-schema applies everything, logs each step on stderr and reports it", async () => {
    const result = await cli(["migrate", "up", "--reference-schema"]);
    expect(result.code).toBe(0);
    expect(result.out).toBe(`applied ${FULL_UP.length} migration(s)\n`);
    expect(result.err).toBe(FULL_UP.map((s) => `applied ${s.track}/${s.name}\n`).join(""));
    await expectFullyMigrated(testDb.db);
    const states = await statusJson();
    expect(states.map((s) => [s.track, s.name, s.applied])).toEqual(expectedStatus(true));
    expect(states.every((s) => typeof s.appliedAt === "string" && !Number.isNaN(Date.parse(s.appliedAt)))).toBe(true);
  });

  it("up again says the database is up to date", async () => {
    expect(await cli(["migrate", "up"])).toEqual({ code: 0, out: "nothing to apply: the database is up to date\n", err: "" });
    expect(await cli(["migrate", "up", "--reference-schema", "--json"])).toEqual({ code: 0, out: `${JSON.stringify({ applied: [], referenceSkipped: false }, null, 2)}\n`, err: "" });
  });

  it("down --steps 1 rolls back the newest core migration only (the views stay); up brings it back", async () => {
    const newest = CORE_NAMES[CORE_NAMES.length - 1] as string;
    expect(await stepsJson(["migrate", "down", "--steps", "1"])).toEqual({ rolledBack: [{ track: "core", name: newest, direction: "down" }] });
    const pending = (await statusJson()).filter((s) => !s.applied).map((s) => s.name);
    expect(pending).toEqual([newest]);
    expect((await stepsJson(["migrate", "up"])).applied).toEqual([{ track: "core", name: newest, direction: "up" }]);
  });

  it("down --all --reference-schema removes everything and reports each step", async () => {
    const result = await cli(["migrate", "down", "--all", "--reference-schema"]);
    expect(result).toEqual({
      code: 0,
      out: `rolled back ${FULL_DOWN.length} migration(s)\n`,
      err: FULL_DOWN.map((s) => `rolled back ${s.track}/${s.name}\n`).join(""),
    });
    await expectOnlyBookkeeping(testDb.db);
    expect((await statusJson()).map((s) => s.applied)).toEqual(expectedStatus(false).map(() => false));
    expect(await cli(["migrate", "down", "--all"])).toEqual({ code: 0, out: "nothing to roll back\n", err: "" });
  });

  it("up --json after down --all applies the full list again", async () => {
    expect(await stepsJson(["migrate", "up", "--reference-schema"])).toEqual({ applied: FULL_UP, referenceSkipped: false });
    await expectFullyMigrated(testDb.db);
  });

  it.each([
    [["migrate", "down", "--steps", "0"]],
    [["migrate", "down", "--steps", "two"]],
    [["migrate", "down", "--reference-schema"]],
  ])("rejects %j as invalid input and changes nothing", async (args) => {
    const before = await catalogSnapshot(testDb.db);
    const result = await cli(args);
    expect(result.code).toBe(EXIT.invalidInput);
    expect(result.err).toMatch(/^token-sidecar: /);
    expect(await catalogSnapshot(testDb.db)).toEqual(before);
  });
});
