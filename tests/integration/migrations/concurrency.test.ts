// Two `migrate up --reference-schema` at once on one empty database (two replicas starting
// together, each with its own pool): both must succeed, every migration must be applied exactly
// once between them, and the schema must equal that of a single run. PostgreSQL only: PGlite is
// one connection, so nothing there can run at the same time. Several rounds, each on a fresh
// database, give the interleavings more than one chance to go wrong.

import { sql } from "kysely";
import { migrateUp, type MigrationStep } from "../../../migrations/runner";
import { openDatabase } from "../../../webhook/db/connection";
import { createTestDatabase, describeWithPostgres, type TestDatabase } from "../../support/database";
import { catalogSnapshot } from "./catalog";
import { CORE_NAMES, FULL_UP, REFERENCE_NAMES, REPEATABLE_NAMES } from "./files";

const ROUNDS = [1, 2, 3, 4, 5];

const key = (s: MigrationStep) => `${s.track}/${s.name}`;

describeWithPostgres("two migrate up at once on one empty database", () => {
  let singleRun: string[];

  beforeAll(async () => {
    const reference = await createTestDatabase("empty");
    try {
      await migrateUp(reference.db, { referenceSchema: true });
      singleRun = await catalogSnapshot(reference.db);
    } finally {
      await reference.close();
    }
  });

  it.each(ROUNDS)("round %i: both succeed, each migration is applied once, the schema equals a single run", async () => {
    const testDb: TestDatabase = await createTestDatabase("empty");
    const second = await openDatabase({ databaseUrl: testDb.url, poolMax: 5 });
    try {
      const [a, b] = await Promise.all([
        migrateUp(testDb.db, { referenceSchema: true }),
        migrateUp(second.db, { referenceSchema: true }),
      ]);
      // Between them, the two runs applied the full list once; each in the order of the files.
      expect([...a.steps, ...b.steps].map(key).sort()).toEqual(FULL_UP.map(key).sort());
      for (const run of [a, b]) {
        const order = FULL_UP.map(key);
        const applied = run.steps.map(key);
        expect(applied).toEqual(order.filter((k) => applied.includes(k)));
      }
      // Neither run may mistake the other's reference schema for a Ghostwriter database.
      expect([a.referenceSkipped, b.referenceSkipped]).toEqual([false, false]);

      const names = async (table: string) => (await sql<{ name: string }>`SELECT name FROM ${sql.table(table)} ORDER BY name`.execute(testDb.db)).rows.map((r) => r.name);
      expect(await names("sidecar_reference_migration")).toEqual(REFERENCE_NAMES);
      expect(await names("sidecar_migration")).toEqual(CORE_NAMES);
      expect(await names("sidecar_repeatable_migration")).toEqual(REPEATABLE_NAMES);
      expect(await catalogSnapshot(testDb.db)).toEqual(singleRun);
    } finally {
      await second.close();
      await testDb.close();
    }
  });
});
