// Drop-in: `migrate up` on a database where Ghostwriter 7 already created the api_* tables and
// views (DESIGN §4). It must add only what is missing (the change triggers, the sidecar's own
// indexes, its bookkeeping), leave every Ghostwriter object and row exactly as it was (rows not
// even rewritten), do nothing the second time, and `down --all` must take back only its additions.

import { migrateDown, migrateUp, migrationStatus } from "../../../migrations/runner";
import { cliRunner } from "../../support/cli";
import type { TestDatabase } from "../../support/database";
import {
  ACCESS_VIEWS,
  BOOKKEEPING_TABLES,
  CHANGE_TRIGGERS,
  CREDENTIAL_TABLES,
  NAMED_CONSTRAINTS,
  NAMED_INDEXES,
  SIDECAR_INDEXES,
  catalogDiff,
  catalogSnapshot,
  constraintNames,
  pair,
  triggerNames,
} from "./catalog";
import { CORE_UP, REFERENCE_NAMES } from "./files";
import { createGhostwriterDatabase, dataSnapshot, seedGhostwriterRows } from "./ghostwriter";

/** `kind subject` of a catalog line, e.g. `trigger api_apikey.sidecar_auth_change`. */
const subjectOf = (line: string): string => line.split(" ").slice(0, 2).join(" ");

function isBookkeeping(line: string): boolean {
  const table = (line.split(" ")[1] ?? "").split(".")[0] ?? "";
  return BOOKKEEPING_TABLES.some((t) => table === t || table === `${t}_pkey`);
}

/** What `migrate up` may add to a Ghostwriter database, besides its bookkeeping tables. */
const EXPECTED_ADDITIONS = [
  ...CHANGE_TRIGGERS.map((t) => `trigger ${t}`),
  ...SIDECAR_INDEXES.map(([t, n]) => `index ${pair(t, n)}`),
  ...SIDECAR_INDEXES.map(([, n]) => `relation ${n}`),
  "function sidecar_notify_auth_change",
].sort();

describe("migrate up on a Ghostwriter 7 database", () => {
  let testDb: TestDatabase;
  let ghostwriterCatalog: string[];
  let ghostwriterData: Record<string, string[]>;
  let migratedCatalog: string[];

  beforeAll(async () => {
    testDb = await createGhostwriterDatabase();
    await seedGhostwriterRows(testDb.db);
    ghostwriterCatalog = await catalogSnapshot(testDb.db);
    ghostwriterData = await dataSnapshot(testDb.db);
  });

  afterAll(async () => {
    await testDb?.close();
  });

  it("starts from Ghostwriter's shape: named constraints and indexes, no sidecar marker, no triggers, rows in every table", async () => {
    expect(await constraintNames(testDb.db)).toEqual(expect.arrayContaining(NAMED_CONSTRAINTS.map(([t, n]) => pair(t, n))));
    expect(ghostwriterCatalog).toEqual(expect.arrayContaining(NAMED_INDEXES.map(([t, n]) => expect.stringMatching(new RegExp(`^index ${pair(t, n)} `)))));
    for (const name of [...CREDENTIAL_TABLES, ...ACCESS_VIEWS]) {
      expect(ghostwriterCatalog).toContainEqual(expect.stringMatching(new RegExp(`^relation ${name} [rv]$`)));
    }
    expect((await triggerNames(testDb.db)).filter((t) => t.includes(".sidecar_"))).toEqual([]);
    for (const table of CREDENTIAL_TABLES) expect(ghostwriterData[table]?.length).toBeGreaterThan(0);
    expect(ghostwriterData.api_service_token_project_access?.length).toBeGreaterThan(0);
  });

  it("`migrate up --reference-schema` leaves the app tables to Ghostwriter, adds only what is missing, and keeps every row", async () => {
    const result = await cliRunner(testDb.handle)(["migrate", "up", "--reference-schema", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ applied: CORE_UP, referenceSkipped: true });
    expect(result.err).toContain("app tables already exist (a Ghostwriter database?): reference schema not applied\n");

    migratedCatalog = await catalogSnapshot(testDb.db);
    const { added, removed } = catalogDiff(ghostwriterCatalog, migratedCatalog);
    // Nothing of Ghostwriter's is gone or altered (an altered object would show as removed + added).
    expect(removed).toEqual([]);
    expect(added.filter((l) => !isBookkeeping(l)).map(subjectOf).sort()).toEqual(EXPECTED_ADDITIONS);
    expect(await dataSnapshot(testDb.db)).toEqual(ghostwriterData);
  });

  it("status: the core migrations and views are recorded as applied, the reference schema is not", async () => {
    const states = await migrationStatus(testDb.db);
    expect(states.filter((s) => s.appliedAt === undefined).map((s) => [s.track, s.name])).toEqual(REFERENCE_NAMES.map((n) => ["reference", n]));
  });

  it("a second `migrate up` (with or without --reference-schema) is a no-op", async () => {
    expect(await migrateUp(testDb.db, { referenceSchema: true })).toEqual({ steps: [], referenceSkipped: true });
    expect(await migrateUp(testDb.db)).toEqual({ steps: [], referenceSkipped: false });
    expect(await catalogSnapshot(testDb.db)).toEqual(migratedCatalog);
    expect(await dataSnapshot(testDb.db)).toEqual(ghostwriterData);
  });

  it("`migrate down --all --reference-schema` takes back only the sidecar's additions", async () => {
    await migrateDown(testDb.db, { all: true, referenceSchema: true });
    const { added, removed } = catalogDiff(ghostwriterCatalog, await catalogSnapshot(testDb.db));
    expect(removed).toEqual([]);
    expect(added.filter((l) => !isBookkeeping(l))).toEqual([]);
    expect(await dataSnapshot(testDb.db)).toEqual(ghostwriterData);
  });

  it("and `migrate up` after that puts back exactly the same additions", async () => {
    expect((await migrateUp(testDb.db)).steps).toEqual(CORE_UP);
    expect(await catalogSnapshot(testDb.db)).toEqual(migratedCatalog);
    expect(await dataSnapshot(testDb.db)).toEqual(ghostwriterData);
  });
});
