// A database shaped like a Ghostwriter 7.0.0 deployment, for the drop-in migration tests: the app
// tables (the reference template), the api_* tables and views as Django creates them
// (tests/fixtures/ghostwriter-api-tables.sql), and rows of every kind the tables can hold.

import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import {
  assignToProject,
  insertApiKeyRow,
  insertOplog,
  insertPrincipalRow,
  insertProject,
  insertServiceTokenRow,
  insertSessionRow,
  insertUser,
  inviteToClient,
  inviteToProject,
} from "../../support/seed";
import { CREDENTIAL_TABLES, rowSnapshot } from "./catalog";

const FIXTURE = path.resolve(__dirname, "..", "..", "fixtures", "ghostwriter-api-tables.sql");

type Db = TestDatabase["db"];

export async function createGhostwriterDatabase(): Promise<TestDatabase> {
  const testDb = await createTestDatabase("reference");
  // The reference template records its app tables as the sidecar's own; in a real Ghostwriter
  // database Django made them and no such record exists, which is what `up --reference-schema`
  // looks at to decide whether to leave them alone.
  await sql`DROP TABLE sidecar_reference_migration, sidecar_reference_migration_lock`.execute(testDb.db);
  await sql.raw(fs.readFileSync(FIXTURE, "utf8")).execute(testDb.db);
  return testDb;
}

export interface GhostwriterRows {
  readonly liveTokenId: string;
  readonly ownerId: string;
}

/** Rows of every shape Ghostwriter writes, odd values included (legacy keys, quotes, µs times). */
export async function seedGhostwriterRows(db: Db): Promise<GhostwriterRows> {
  const owner = await insertUser(db, { name: `Zoë "O'Hara" Ñúñez` });
  const manager = await insertUser(db, { role: "manager" });
  const admin = await insertUser(db, { role: "admin", isStaff: true, isSuperuser: true });
  const gone = await insertUser(db, { isActive: false });
  const { projectId, clientId } = await insertProject(db);
  const second = await insertProject(db, { clientId });
  const other = await insertProject(db);
  await assignToProject(db, { userId: owner.id, projectId });
  await inviteToProject(db, { userId: owner.id, projectId: other.projectId });
  await inviteToClient(db, { userId: manager.id, clientId });
  const oplogId = Number(await insertOplog(db, { projectId }));

  const principal = await insertPrincipalRow(db, { ownerId: owner.id, name: "Mythic ‘sync’ \\ \"ops\"", serviceType: "mythic_sync" });
  const live = await insertServiceTokenRow(db, {
    creatorId: owner.id,
    principalId: principal,
    secretHash: "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
    lastUsedAt: new Date("2025-03-04T05:06:07.891Z"),
    permissions: ["read", "create", "update", "delete"].map((action) => ({ resourceType: "oplog", resourceId: oplogId, action })),
  });
  await insertServiceTokenRow(db, {
    creatorId: owner.id,
    principalId: principal,
    expiryDate: null,
    permissions: [
      { resourceType: "project", resourceId: Number(projectId), action: "read" },
      { resourceType: "project", resourceId: Number(second.projectId), action: "read" },
    ],
  });
  await insertServiceTokenRow(db, {
    creatorId: manager.id,
    revoked: true,
    permissions: [{ resourceType: "project", resourceId: null, action: "read", constraints: { scope: "all_accessible_projects" } }],
  });
  const idle = await insertPrincipalRow(db, { ownerId: gone.id, active: false });
  await insertServiceTokenRow(db, { creatorId: gone.id, principalId: idle, expiryDate: new Date("2020-01-01T00:00:00.123456Z") });
  await insertServiceTokenRow(db, {
    creatorId: admin.id,
    permissions: [{ resourceType: "project", resourceId: null, action: "read", constraints: { scope: "all_accessible_projects" } }],
  });

  await insertApiKeyRow(db, { userId: owner.id, name: "CI key" });
  await insertApiKeyRow(db, { userId: manager.id, revoked: true, expiryDate: null });
  // A key minted before 7.0: a JWT in `token`, no prefix, no hash.
  const legacy = await insertApiKeyRow(db, { userId: admin.id, prefix: null, secretHash: null, name: "legacy ✓" });
  await sql`UPDATE api_apikey SET token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.c2ln' WHERE id = ${legacy.apiKeyId}::bigint`.execute(db);

  await insertSessionRow(db, { userId: owner.id });
  const revoked = await insertSessionRow(db, { userId: manager.id, revokedAt: new Date("2025-01-02T03:04:05.678901Z") });
  await sql`UPDATE api_usersession SET revoked_by_id = ${admin.id}::bigint WHERE id = ${revoked.sessionId}::bigint`.execute(db);
  return { liveTokenId: live.tokenId, ownerId: owner.id };
}

/** Every row of the credential and membership tables, plus what the two views answer. */
export async function dataSnapshot(db: Db): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const table of [...CREDENTIAL_TABLES, "users_user", "rolodex_client", "rolodex_project", "rolodex_projectassignment", "rolodex_projectinvite", "rolodex_clientinvite", "oplog_oplog"]) {
    snapshot[table] = await rowSnapshot(db, table);
  }
  for (const view of ["api_user_project_read_access", "api_service_token_project_access"]) {
    const { rows } = await sql<{ line: string }>`SELECT v::text AS line FROM ${sql.table(view)} AS v ORDER BY 1`.execute(db);
    snapshot[view] = rows.map((r) => r.line);
  }
  return snapshot;
}
