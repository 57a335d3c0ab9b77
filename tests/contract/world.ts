// A small Ghostwriter world for the webhook contract tests: users of each role, two clients,
// projects with assignments and invites, oplogs, and helpers that mint real credentials through
// the lifecycle code (cheap Argon2 parameters, so tests stay fast).

import { sql, type Kysely } from "kysely";
import { SignJWT } from "jose";
import type { Database } from "../../webhook/db/schema";
import { lifecycleContext, type LifecycleContext } from "../../webhook/lifecycle/context";
import { createServiceToken, type ScopeRequest } from "../../webhook/lifecycle/service-tokens";
import { createApiToken } from "../../webhook/lifecycle/api-tokens";
import { issueLoginSession } from "../../webhook/lifecycle/sessions";
import { loadConfig } from "../../webhook/config";

export const JWT_SECRET = "contract-test-secret-0123456789abcdef0123456789";
export const TEST_ENV = {
  JWT_SECRET,
  ARGON2_MEMORY_KIB: "8192",
  ARGON2_TIME_COST: "1",
  ARGON2_PARALLELISM: "1",
  LOG_LEVEL: "silent",
  DATABASE_URL: "postgres://unused/for-config-only",
};

export interface World {
  users: Record<"alice" | "bob" | "manager" | "inactive" | "carol", string>;
  projects: Record<"alpha" | "bravo" | "charlie", string>;
  oplogs: Record<"alphaLog" | "bravoLog", string>;
  lifecycle: LifecycleContext;
}

export async function insertUser(db: Kysely<Database>, username: string, options: { role?: string; active?: boolean; staff?: boolean } = {}): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO users_user (password, is_superuser, username, email, is_staff, is_active, date_joined, name, timezone, role,
      enable_finding_create, enable_finding_edit, enable_finding_delete, enable_observation_create, enable_observation_delete,
      enable_observation_edit, require_2fa)
    VALUES ('!', false, ${username}, ${`${username}@example.com`}, ${options.staff ?? false}, ${options.active ?? true}, now(), ${username},
      'UTC', ${options.role ?? "user"}, false, false, false, false, false, false, false)
    RETURNING id::text AS id`.execute(db);
  return rows[0]!.id;
}

export async function insertProject(db: Kysely<Database>, clientId: string, codename: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO rolodex_project (codename, start_date, end_date, description, slack_channel, complete, client_id, project_type_id, timezone, extra_fields)
    SELECT ${codename}, current_date, current_date + 10, '', '', false, ${clientId}::bigint, min(id), 'UTC', '{}'::jsonb FROM rolodex_projecttype
    RETURNING id::text AS id`.execute(db);
  return rows[0]!.id;
}

export async function assign(db: Kysely<Database>, userId: string, projectId: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO rolodex_projectassignment (description, operator_id, project_id, role_id)
    SELECT '', ${userId}::bigint, ${projectId}::bigint, min(id) FROM rolodex_projectrole RETURNING id::text AS id`.execute(db);
  return rows[0]!.id;
}

export async function insertOplog(db: Kysely<Database>, projectId: string | null, name: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO oplog_oplog (name, project_id, mute_notifications) VALUES (${name}, ${projectId}::bigint, false) RETURNING id::text AS id`.execute(db);
  return rows[0]!.id;
}

async function insertClient(db: Kysely<Database>, name: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`INSERT INTO rolodex_client (name, short_name, codename) VALUES (${name}, '', '') RETURNING id::text AS id`.execute(db);
  return rows[0]!.id;
}

/**
 * alice: assigned to alpha and bravo. bob: invited to charlie's client. manager: privileged.
 * carol: assigned to alpha only. inactive: a deactivated user.
 */
export async function buildWorld(db: Kysely<Database>): Promise<World> {
  await sql`INSERT INTO rolodex_projecttype (project_type) VALUES ('Pentest')`.execute(db);
  await sql`INSERT INTO rolodex_projectrole (project_role, position) VALUES ('Operator', 1)`.execute(db);
  const acme = await insertClient(db, "Acme");
  const globex = await insertClient(db, "Globex");
  const users = {
    alice: await insertUser(db, "alice"),
    bob: await insertUser(db, "bob"),
    manager: await insertUser(db, "mia", { role: "manager" }),
    inactive: await insertUser(db, "ivan", { active: false }),
    carol: await insertUser(db, "carol"),
  };
  const projects = { alpha: await insertProject(db, acme, "Alpha"), bravo: await insertProject(db, acme, "Bravo"), charlie: await insertProject(db, globex, "Charlie") };
  await assign(db, users.alice, projects.alpha);
  await assign(db, users.alice, projects.bravo);
  await assign(db, users.carol, projects.alpha);
  await sql`INSERT INTO rolodex_clientinvite (comment, client_id, user_id) VALUES ('', ${globex}::bigint, ${users.bob}::bigint)`.execute(db);
  const oplogs = { alphaLog: await insertOplog(db, projects.alpha, "alpha ops"), bravoLog: await insertOplog(db, projects.bravo, "bravo ops") };
  const lifecycle = lifecycleContext(db, loadConfig(TEST_ENV, { purpose: "cli" }));
  return { users, projects, oplogs, lifecycle };
}

export async function serviceToken(world: World, creator: string, scope: ScopeRequest, options: { principal?: string; expires?: string; name?: string } = {}) {
  const created = await createServiceToken(world.lifecycle, {
    creator,
    name: options.name ?? "token",
    expires: options.expires ?? "30d",
    newPrincipalName: options.principal ?? `principal-${Math.random().toString(36).slice(2, 8)}`,
    scope,
  });
  return { token: created.token, id: created.record.id, principalId: created.record.principal.id, principalName: created.record.principal.name };
}

export async function apiToken(world: World, user: string, expires = "30d") {
  const issued = await createApiToken(world.lifecycle, { user, name: "laptop", expires });
  return { token: issued.token, id: issued.record.id };
}

export async function loginJwt(world: World, user: string, minutes = 15) {
  return issueLoginSession(world.lifecycle, { user, minutes, jwtSecret: JWT_SECRET, audience: "Ghostwriter" });
}

export async function collabJwt(claims: Record<string, unknown>, options: { sub: string; expiresIn?: number; secret?: string; typ?: string; audience?: string }) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: options.typ ?? "ghostwriter-collab+jwt" })
    .setSubject(options.sub)
    .setAudience(options.audience ?? "Ghostwriter")
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}
