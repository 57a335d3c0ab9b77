// Seed rows for integration tests, in plain SQL against the reference schema (or a Ghostwriter
// database). users_user and friends have NOT NULL columns without database defaults (Django fills
// them in Python), so every insert here supplies them. Each helper returns the new row's id as a
// string (ids are bigint; both backends return them as text), and generates unique names, so
// several tests can share one database without colliding.
//
//   const alice = await insertUser(db, { role: "user" });
//   const { clientId, projectId } = await insertProject(db);           // a fresh client too
//   await assignToProject(db, { userId: alice.id, projectId });
//   const oplogId = await insertOplog(db, { projectId });
//   const { tokenId } = await insertServiceTokenRow(db, { creatorId: alice.id, secretHash });

import { randomBytes, randomUUID } from "node:crypto";
import { sql, type Kysely, type RawBuilder } from "kysely";

// Any Kysely instance (the typed handle.db, a transaction, or Kysely<any>).
type Db = Kysely<any>;

/** Cheap Argon2id parameters for hashes written by tests (Django's defaults cost ~100 MiB each). */
export const CHEAP_ARGON2 = { memoryCost: 8192, timeCost: 1, parallelism: 1 } as const;

/** Environment for CLI runs (bufferIo) that makes new hashes cheap; spread extra settings over it. */
export const CHEAP_ARGON2_ENV: Record<string, string> = {
  ARGON2_MEMORY_KIB: "8192",
  ARGON2_TIME_COST: "1",
  ARGON2_PARALLELISM: "1",
  LOG_LEVEL: "silent",
};

let counter = 0;
/** A name unique within the process and across test databases cloned from one template. */
export function uniqueName(base: string): string {
  counter += 1;
  return `${base}-${counter}-${randomBytes(3).toString("hex")}`;
}

async function one<T>(db: Db, query: RawBuilder<T>): Promise<T> {
  const { rows } = await query.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error("seed insert returned no row");
  return row;
}

export interface SeedUserOptions {
  username?: string;
  role?: "user" | "manager" | "admin" | string;
  isActive?: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
  email?: string;
  name?: string;
  timezone?: string;
}

export interface SeedUser {
  readonly id: string;
  readonly username: string;
}

/**
 * A users_user row. Defaults: role `user`, active, not staff, not superuser. The role and the
 * flags are stored as given (Django's save() would couple them; tests may want odd combinations).
 */
export async function insertUser(db: Db, options: SeedUserOptions = {}): Promise<SeedUser> {
  const username = options.username ?? uniqueName("user");
  const row = await one<{ id: string }>(
    db,
    sql`INSERT INTO users_user (password, last_login, is_superuser, username, email, is_staff, is_active, date_joined,
          name, phone, timezone, role, enable_finding_create, enable_finding_edit, enable_finding_delete,
          enable_observation_create, enable_observation_delete, enable_observation_edit, require_2fa)
        VALUES ('!', NULL, ${options.isSuperuser ?? false}, ${username}, ${options.email ?? `${username}@example.test`},
          ${options.isStaff ?? false}, ${options.isActive ?? true}, now(), ${options.name ?? username}, NULL,
          ${options.timezone ?? "America/Los_Angeles"}, ${options.role ?? "user"}, false, false, false, false, false, false, false)
        RETURNING id::text AS id`,
  );
  return { id: row.id, username };
}

export async function setUserActive(db: Db, userId: string, isActive: boolean): Promise<void> {
  await sql`UPDATE users_user SET is_active = ${isActive} WHERE id = ${userId}::bigint`.execute(db);
}

export async function insertClient(db: Db, options: { name?: string } = {}): Promise<string> {
  const name = options.name ?? uniqueName("client");
  const row = await one<{ id: string }>(
    db,
    sql`INSERT INTO rolodex_client (name, short_name, codename, description, address, timezone, extra_fields)
        VALUES (${name}, '', ${name}, '', '', 'America/Los_Angeles', '{}'::jsonb)
        RETURNING id::text AS id`,
  );
  return row.id;
}

/** The project type every seeded project uses (created on first call, reused after). */
export async function ensureProjectType(db: Db, projectType = "Seed Assessment"): Promise<string> {
  await sql`INSERT INTO rolodex_projecttype (project_type) VALUES (${projectType}) ON CONFLICT (project_type) DO NOTHING`.execute(db);
  return (await one<{ id: string }>(db, sql`SELECT id::text AS id FROM rolodex_projecttype WHERE project_type = ${projectType}`)).id;
}

/** The project role every seeded assignment uses (position must be unique and >= 1). */
export async function ensureProjectRole(db: Db, projectRole = "Seed Operator"): Promise<string> {
  const existing = await sql<{ id: string }>`SELECT id::text AS id FROM rolodex_projectrole WHERE project_role = ${projectRole}`.execute(db);
  if (existing.rows[0]) return existing.rows[0].id;
  return (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO rolodex_projectrole (project_role, "position")
          VALUES (${projectRole}, (SELECT coalesce(max("position"), 0) + 1 FROM rolodex_projectrole))
          RETURNING id::text AS id`,
    )
  ).id;
}

/** A rolodex_project; without `clientId` a fresh client is created for it. */
export async function insertProject(db: Db, options: { clientId?: string; codename?: string } = {}): Promise<{ projectId: string; clientId: string }> {
  const clientId = options.clientId ?? (await insertClient(db));
  const typeId = await ensureProjectType(db);
  const row = await one<{ id: string }>(
    db,
    sql`INSERT INTO rolodex_project (codename, start_date, end_date, description, slack_channel, complete, client_id,
          operator_id, project_type_id, timezone, extra_fields)
        VALUES (${options.codename ?? uniqueName("project")}, current_date, current_date + 30, '', '', false,
          ${clientId}::bigint, NULL, ${typeId}::bigint, 'America/Los_Angeles', '{}'::jsonb)
        RETURNING id::text AS id`,
  );
  return { projectId: row.id, clientId };
}

export async function assignToProject(db: Db, link: { userId: string; projectId: string }): Promise<string> {
  const roleId = await ensureProjectRole(db);
  return (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO rolodex_projectassignment (start_date, end_date, description, operator_id, project_id, role_id)
          VALUES (NULL, NULL, '', ${link.userId}::bigint, ${link.projectId}::bigint, ${roleId}::bigint)
          RETURNING id::text AS id`,
    )
  ).id;
}

export async function inviteToProject(db: Db, link: { userId: string; projectId: string }): Promise<string> {
  return (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO rolodex_projectinvite (comment, project_id, user_id)
          VALUES ('', ${link.projectId}::bigint, ${link.userId}::bigint) RETURNING id::text AS id`,
    )
  ).id;
}

export async function inviteToClient(db: Db, link: { userId: string; clientId: string }): Promise<string> {
  return (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO rolodex_clientinvite (comment, client_id, user_id)
          VALUES ('', ${link.clientId}::bigint, ${link.userId}::bigint) RETURNING id::text AS id`,
    )
  ).id;
}

/** An oplog_oplog; `projectId: null` makes an oplog without a project. */
export async function insertOplog(db: Db, options: { projectId: string | null; name?: string }): Promise<string> {
  return (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO oplog_oplog (name, project_id, mute_notifications)
          VALUES (${options.name ?? uniqueName("oplog")}, ${options.projectId}::bigint, false) RETURNING id::text AS id`,
    )
  ).id;
}

/** A user assigned to a fresh project (and client) with one oplog: the usual starting point. */
export async function insertOperatorWithOplog(db: Db, user: SeedUserOptions = {}): Promise<{ user: SeedUser; clientId: string; projectId: string; oplogId: string }> {
  const seeded = await insertUser(db, user);
  const { projectId, clientId } = await insertProject(db);
  await assignToProject(db, { userId: seeded.id, projectId });
  const oplogId = await insertOplog(db, { projectId });
  return { user: seeded, clientId, projectId, oplogId };
}

// ---- credential rows written directly (bypassing the lifecycle rules) ----

export async function insertPrincipalRow(db: Db, options: { ownerId: string; name?: string; active?: boolean; serviceType?: string }): Promise<string> {
  return (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO api_serviceprincipal (name, service_type, created, active, created_by_id)
          VALUES (${options.name ?? uniqueName("principal")}, ${options.serviceType ?? "integration"}, now(),
            ${options.active ?? true}, ${options.ownerId}::bigint) RETURNING id::text AS id`,
    )
  ).id;
}

export interface PermissionSeed {
  resourceType: string;
  resourceId: number | null;
  action: string;
  constraints?: Record<string, unknown>;
}

/**
 * An api_servicetoken row (with a new principal of the creator unless `principalId` is given) and
 * its permission rows. `prefix` defaults to 16 random hex characters; `secretHash` to a string
 * that never verifies.
 */
export async function insertServiceTokenRow(
  db: Db,
  options: {
    creatorId: string;
    principalId?: string;
    name?: string;
    prefix?: string;
    secretHash?: string;
    expiryDate?: Date | null;
    revoked?: boolean;
    lastUsedAt?: Date | null;
    permissions?: readonly PermissionSeed[];
  },
): Promise<{ tokenId: string; principalId: string; prefix: string }> {
  const principalId = options.principalId ?? (await insertPrincipalRow(db, { ownerId: options.creatorId }));
  const prefix = options.prefix ?? randomBytes(8).toString("hex");
  const expiry = options.expiryDate === undefined ? new Date(Date.now() + 86_400_000) : options.expiryDate;
  const tokenId = (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO api_servicetoken (name, token_prefix, secret_hash, created, expiry_date, last_used_at, revoked,
            created_by_id, service_principal_id)
          VALUES (${options.name ?? uniqueName("token")}, ${prefix}, ${options.secretHash ?? "!unusable"}, now(),
            ${expiry}, ${options.lastUsedAt ?? null}, ${options.revoked ?? false}, ${options.creatorId}::bigint,
            ${principalId}::bigint) RETURNING id::text AS id`,
    )
  ).id;
  for (const p of options.permissions ?? []) await insertPermissionRow(db, tokenId, p);
  return { tokenId, principalId, prefix };
}

export async function insertPermissionRow(db: Db, tokenId: string, p: PermissionSeed): Promise<string> {
  return (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO api_servicetokenpermission (resource_type, resource_id, action, constraints, token_id)
          VALUES (${p.resourceType}, ${p.resourceId}, ${p.action}, ${JSON.stringify(p.constraints ?? {})}::jsonb, ${tokenId}::bigint)
          RETURNING id::text AS id`,
    )
  ).id;
}

export async function insertApiKeyRow(
  db: Db,
  options: { userId: string; name?: string; prefix?: string | null; secretHash?: string | null; expiryDate?: Date | null; revoked?: boolean; lastUsedAt?: Date | null },
): Promise<{ apiKeyId: string; prefix: string | null; identifier: string }> {
  const prefix = options.prefix === undefined ? randomBytes(8).toString("hex") : options.prefix;
  const identifier = randomUUID();
  const expiry = options.expiryDate === undefined ? new Date(Date.now() + 86_400_000) : options.expiryDate;
  const apiKeyId = (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO api_apikey (name, token, created, expiry_date, revoked, user_id, identifier, secret_hash, token_prefix, last_used_at)
          VALUES (${options.name ?? uniqueName("api-key")}, '', now(), ${expiry}, ${options.revoked ?? false},
            ${options.userId}::bigint, ${identifier}::uuid, ${options.secretHash === undefined ? "!unusable" : options.secretHash},
            ${prefix}, ${options.lastUsedAt ?? null}) RETURNING id::text AS id`,
    )
  ).id;
  return { apiKeyId, prefix, identifier };
}

export async function insertSessionRow(
  db: Db,
  options: { userId: string; expiresAt?: Date; revokedAt?: Date | null; identifier?: string },
): Promise<{ sessionId: string; identifier: string }> {
  const identifier = options.identifier ?? randomUUID();
  const sessionId = (
    await one<{ id: string }>(
      db,
      sql`INSERT INTO api_usersession (identifier, created, expires_at, revoked_at, revoked_by_id, user_id)
          VALUES (${identifier}::uuid, now(), ${options.expiresAt ?? new Date(Date.now() + 900_000)}, ${options.revokedAt ?? null},
            NULL, ${options.userId}::bigint) RETURNING id::text AS id`,
    )
  ).id;
  return { sessionId, identifier };
}

/** Row count of a table (optionally filtered by a raw WHERE fragment). */
export async function countRows(db: Db, table: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Every row of a table as JSON text, in primary-key order: for "nothing changed" comparisons. */
export async function tableSnapshot(db: Db, table: string, orderBy = "id"): Promise<string[]> {
  const { rows } = await sql<{ row: string }>`
    SELECT to_jsonb(t)::text AS row FROM ${sql.table(table)} AS t ORDER BY ${sql.ref(`t.${orderBy}`)}`.execute(db);
  return rows.map((r) => r.row);
}

/** Every credential table's full contents: compare before/after to prove a command changed nothing. */
export async function credentialSnapshot(db: Db): Promise<Record<string, string[]>> {
  const tables = ["api_serviceprincipal", "api_servicetoken", "api_servicetokenpermission", "api_apikey", "api_usersession"];
  const snapshot: Record<string, string[]> = {};
  for (const table of tables) snapshot[table] = await tableSnapshot(db, table);
  return snapshot;
}
