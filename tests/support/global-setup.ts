// Runs once before all test files. On PostgreSQL it builds the template databases that
// createTestDatabase() clones (fast: a file copy instead of re-running every migration per file).

import { openDatabase } from "../../webhook/db/connection";
import { applyReferenceSchema, migrateUp } from "../../migrations/runner";
import { templateName, type SchemaKind } from "./templates";
import { adminQuery, withDatabase } from "./postgres-admin";

export default async function globalSetup(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return;
  for (const kind of ["empty", "reference", "migrated"] as SchemaKind[]) {
    const name = templateName(kind);
    if (await databaseExists(serverUrl, name)) continue;
    const building = `${name}_building_${process.pid}`;
    await adminQuery(serverUrl, `CREATE DATABASE "${building}" TEMPLATE template0`);
    const handle = await openDatabase({ databaseUrl: withDatabase(serverUrl, building), poolMax: 2 });
    try {
      if (kind === "reference") await applyReferenceSchema(handle.db);
      if (kind === "migrated") await migrateUp(handle.db, { referenceSchema: true });
    } finally {
      await handle.close();
    }
    // Renaming last makes the template appear only once complete (another run may race us).
    await adminQuery(serverUrl, `ALTER DATABASE "${building}" RENAME TO "${name}"`).catch(async () => {
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    });
  }
}

async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const { rowCount } = await adminQuery(serverUrl, "SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return (rowCount ?? 0) > 0;
}
