// Per-test-file databases. With DATABASE_URL (CI), each call creates a fresh PostgreSQL database on
// that server — cloned from a template that global-setup migrated once — and drops it on close.
// Without it, each call opens a fresh in-memory PGlite instance and migrates it. Either way no
// two test files ever share rows.

import { randomBytes } from "node:crypto";
import { openDatabase, type DatabaseHandle } from "../../webhook/db/connection";
import { applyReferenceSchema, migrateUp } from "../../migrations/runner";
import { templateName, type SchemaKind } from "./templates";
import { adminQuery, withDatabase } from "./postgres-admin";

export { adminQuery, withDatabase };

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  readonly db: DatabaseHandle["db"];
  /** Connection string of this database; undefined on PGlite. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);

/** `describe` that only runs against a real PostgreSQL server (e.g. killing connections). */
export const describeWithPostgres = usingPostgres ? describe : describe.skip;

export async function createTestDatabase(schema: SchemaKind = "migrated"): Promise<TestDatabase> {
  return usingPostgres ? createPostgresDatabase(schema) : createPgliteDatabase(schema);
}

async function createPostgresDatabase(schema: SchemaKind): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL as string;
  const name = `hts_t_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}" TEMPLATE "${templateName(schema)}"`);
  const url = withDatabase(serverUrl, name);
  const handle = await openDatabase({ databaseUrl: url, poolMax: 5 });
  return {
    handle,
    db: handle.db,
    url,
    async close() {
      await handle.close();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function createPgliteDatabase(schema: SchemaKind): Promise<TestDatabase> {
  const handle = await openDatabase({ databaseUrl: undefined, embeddedDataDir: ":memory:" });
  if (schema === "reference") await applyReferenceSchema(handle.db);
  if (schema === "migrated") await migrateUp(handle.db, { referenceSchema: true });
  return { handle, db: handle.db, url: undefined, close: () => handle.close() };
}
