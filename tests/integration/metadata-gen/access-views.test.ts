// The generated access views on a migrated database with fixture rows: exactly the (token, project)
// pairs Ghostwriter's views give, for every grant kind and every way a token stops being usable;
// idempotent re-application; Ghostwriter's own views left alone; hostile names harmless.

import fs from "node:fs";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { readPolicy, type Policy } from "../../../metadata-gen/policy";
import { renderViewsSql } from "../../../metadata-gen/render/views-sql";
import { quoteIdentifier } from "../../../webhook/db/identifiers";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import { HOSTILE, hostilePolicyText, REPO } from "../../unit/metadata-gen/support";

const UP = fs.readFileSync(path.join(REPO, "migrations", "repeatable", "access_views.sql"), "utf8");
const DOWN = fs.readFileSync(path.join(REPO, "migrations", "repeatable", "access_views.down.sql"), "utf8");

let database: TestDatabase;
let db: Kysely<any>;
let counter = 0;

async function id(query: ReturnType<typeof sql<{ id: string }>>): Promise<string> {
  const { rows } = await query.execute(db);
  return String(rows[0]?.id);
}

function user(options: { role?: string; active?: boolean; staff?: boolean; superuser?: boolean } = {}): Promise<string> {
  const name = `u${++counter}`;
  return id(sql<{ id: string }>`
    INSERT INTO users_user (password, last_login, is_superuser, username, email, is_staff, is_active, date_joined, name, phone,
      timezone, role, enable_finding_create, enable_finding_edit, enable_finding_delete, enable_observation_create,
      enable_observation_delete, enable_observation_edit, require_2fa)
    VALUES ('!', NULL, ${options.superuser ?? false}, ${name}, ${`${name}@example.test`}, ${options.staff ?? false}, ${options.active ?? true},
      now(), ${name}, NULL, 'UTC', ${options.role ?? "user"}, false, false, false, false, false, false, false)
    RETURNING id::text AS id`);
}

const client = () => id(sql<{ id: string }>`INSERT INTO rolodex_client (name) VALUES (${`client ${++counter}`}) RETURNING id::text AS id`);
let projectType: string;
let projectRole: string;
const project = (clientId: string) =>
  id(sql<{ id: string }>`INSERT INTO rolodex_project (start_date, end_date, client_id, project_type_id) VALUES ('2026-01-01', '2026-02-01', ${clientId}::bigint, ${projectType}::bigint) RETURNING id::text AS id`);
const assign = (userId: string, projectId: string) =>
  id(sql<{ id: string }>`INSERT INTO rolodex_projectassignment (operator_id, project_id, role_id) VALUES (${userId}::bigint, ${projectId}::bigint, ${projectRole}::bigint) RETURNING id::text AS id`);
const inviteToProject = (userId: string, projectId: string) =>
  id(sql<{ id: string }>`INSERT INTO rolodex_projectinvite (user_id, project_id) VALUES (${userId}::bigint, ${projectId}::bigint) RETURNING id::text AS id`);
const inviteToClient = (userId: string, clientId: string) =>
  id(sql<{ id: string }>`INSERT INTO rolodex_clientinvite (user_id, client_id) VALUES (${userId}::bigint, ${clientId}::bigint) RETURNING id::text AS id`);
const principal = (creator: string, active = true) =>
  id(sql<{ id: string }>`INSERT INTO api_serviceprincipal (name, service_type, created, active, created_by_id) VALUES (${`p${++counter}`}, 'other', now(), ${active}, ${creator}::bigint) RETURNING id::text AS id`);

async function token(creator: string, principalId: string, grants: Array<string | "all" | { oplog: string }>, options: { revoked?: boolean; expiry?: string } = {}): Promise<string> {
  const prefix = (++counter).toString(16).padStart(16, "0");
  const tokenId = await id(sql<{ id: string }>`
    INSERT INTO api_servicetoken (name, token_prefix, secret_hash, created, expiry_date, revoked, created_by_id, service_principal_id)
    VALUES (${`t${counter}`}, ${prefix}, 'argon2$x', now(), ${options.expiry === undefined ? null : sql.raw(options.expiry)}, ${options.revoked ?? false}, ${creator}::bigint, ${principalId}::bigint)
    RETURNING id::text AS id`);
  for (const grant of grants) {
    if (grant === "all") {
      await sql`INSERT INTO api_servicetokenpermission (resource_type, resource_id, action, constraints, token_id) VALUES ('project', NULL, 'read', '{"scope": "all_accessible_projects"}'::jsonb, ${tokenId}::bigint)`.execute(db);
    } else if (typeof grant === "string") {
      await sql`INSERT INTO api_servicetokenpermission (resource_type, resource_id, action, constraints, token_id) VALUES ('project', ${grant}::integer, 'read', '{}'::jsonb, ${tokenId}::bigint)`.execute(db);
    } else {
      await sql`INSERT INTO api_servicetokenpermission (resource_type, resource_id, action, constraints, token_id) VALUES ('oplog', ${grant.oplog}::integer, 'read', '{}'::jsonb, ${tokenId}::bigint)`.execute(db);
    }
  }
  return tokenId;
}

async function pairs(view: "api_service_token_project_access" | "api_user_project_read_access", ids: readonly string[]): Promise<string[]> {
  const [first, second] = view === "api_service_token_project_access" ? ["token_id", "project_id"] : ["user_id", "project_id"];
  const { rows } = await sql<{ a: string; b: string }>`SELECT ${sql.ref(first as string)}::text AS a, ${sql.ref(second as string)}::text AS b FROM ${sql.table(view)}`.execute(db);
  return rows.filter((r) => ids.includes(r.a)).map((r) => `${r.a}:${r.b}`).sort();
}

const expectPairs = (list: Array<[string, string]>) => list.map(([a, b]) => `${a}:${b}`).sort();

describe("the generated access views", () => {
  // Clients C1 (P1, P2, P3), C2 (P4, P5), C3 (P6).
  let p: string[] = [];
  let c: string[] = [];
  const u: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase("migrated");
    db = database.db as Kysely<any>;
    projectType = await id(sql<{ id: string }>`INSERT INTO rolodex_projecttype (project_type) VALUES ('Red Team') RETURNING id::text AS id`);
    projectRole = await id(sql<{ id: string }>`INSERT INTO rolodex_projectrole (project_role, position) VALUES ('Operator', 1) RETURNING id::text AS id`);
    c = [await client(), await client(), await client()];
    p = [await project(c[0]!), await project(c[0]!), await project(c[0]!), await project(c[1]!), await project(c[1]!), await project(c[2]!)];
    u.alice = await user();
    u.manager = await user({ role: "manager" });
    u.carol = await user();
    u.inactive = await user({ active: false });
    u.erin = await user();
    u.staff = await user({ staff: true });
    u.superuser = await user({ superuser: true });
    u.nobody = await user();
    await assign(u.alice, p[0]!);
    await assign(u.alice, p[1]!);
    await inviteToProject(u.alice, p[2]!);
    await inviteToClient(u.carol, c[1]!);
    await assign(u.inactive, p[0]!);
    await assign(u.erin, p[0]!);
    await assign(u.erin, p[1]!);
  });

  afterAll(async () => {
    await database?.close();
  });

  it("are the sidecar's, marked, with Ghostwriter's bigint columns and no cross join", async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
      SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_name IN ('api_service_token_project_access', 'api_user_project_read_access') ORDER BY table_name, ordinal_position`.execute(db);
    expect(rows.map((r) => `${r.table_name}.${r.column_name} ${r.data_type}`)).toEqual([
      "api_service_token_project_access.token_id bigint",
      "api_service_token_project_access.project_id bigint",
      "api_user_project_read_access.user_id bigint",
      "api_user_project_read_access.project_id bigint",
    ]);
    const defs = await sql<{ def: string; comment: string }>`
      SELECT pg_get_viewdef(c.oid) AS def, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c
      WHERE c.relname IN ('api_service_token_project_access', 'api_user_project_read_access')`.execute(db);
    expect(defs.rows).toHaveLength(2);
    for (const row of defs.rows) {
      expect(row.comment).toBe("created by hasura-token-sidecar");
      expect(row.def).not.toMatch(/CROSS JOIN|ON true/i);
    }
  });

  it("give each active user the projects of their role, flags, invites and assignments", async () => {
    expect(await pairs("api_user_project_read_access", Object.values(u))).toEqual(
      expectPairs([
        [u.alice!, p[0]!], [u.alice!, p[1]!], [u.alice!, p[2]!],
        ...p.map((x) => [u.manager!, x] as [string, string]),
        [u.carol!, p[3]!], [u.carol!, p[4]!],
        [u.erin!, p[0]!], [u.erin!, p[1]!],
        ...p.map((x) => [u.staff!, x] as [string, string]),
        ...p.map((x) => [u.superuser!, x] as [string, string]),
      ]),
    );
  });

  it("grant selected projects only where the creator can read them, and every accessible one for the dynamic grant", async () => {
    const alicePrincipal = await principal(u.alice!);
    const selected = await token(u.alice!, alicePrincipal, [p[0]!, p[2]!, p[5]!]); // P6: alice cannot read it
    const managerAll = await token(u.manager!, await principal(u.manager!), ["all"]);
    const carolAll = await token(u.carol!, await principal(u.carol!), ["all"]);
    const both = await token(u.alice!, alicePrincipal, [p[0]!, "all"]);
    const oplogOnly = await token(u.alice!, alicePrincipal, [{ oplog: "1" }]);
    const nobodyAll = await token(u.nobody!, await principal(u.nobody!), ["all"]);
    expect(await pairs("api_service_token_project_access", [selected, managerAll, carolAll, both, oplogOnly, nobodyAll])).toEqual(
      expectPairs([
        [selected, p[0]!], [selected, p[2]!],
        ...p.map((x) => [managerAll, x] as [string, string]),
        [carolAll, p[3]!], [carolAll, p[4]!],
        [both, p[0]!], [both, p[1]!], [both, p[2]!],
      ]),
    );
  });

  it("drop revoked and expired tokens, deactivated principals and inactive creators", async () => {
    const alicePrincipal = await principal(u.alice!);
    const revoked = await token(u.alice!, alicePrincipal, [p[0]!], { revoked: true });
    const revokedAll = await token(u.alice!, alicePrincipal, ["all"], { revoked: true });
    const expired = await token(u.alice!, alicePrincipal, [p[0]!], { expiry: "now() - interval '1 minute'" });
    const expiredAll = await token(u.alice!, alicePrincipal, ["all"], { expiry: "now() - interval '1 minute'" });
    const current = await token(u.alice!, alicePrincipal, [p[0]!], { expiry: "now() + interval '1 day'" });
    const inactivePrincipal = await principal(u.alice!, false);
    const deactivated = await token(u.alice!, inactivePrincipal, [p[0]!]);
    const deactivatedAll = await token(u.alice!, inactivePrincipal, ["all"]);
    const inactiveCreator = await token(u.inactive!, await principal(u.alice!), [p[0]!]);
    const inactiveCreatorAll = await token(u.inactive!, await principal(u.alice!), ["all"]);
    const inactivePrincipalCreator = await token(u.alice!, await principal(u.inactive!), [p[0]!]);
    const inactivePrincipalCreatorAll = await token(u.alice!, await principal(u.inactive!), ["all"]);
    const ids = [revoked, revokedAll, expired, expiredAll, current, deactivated, deactivatedAll, inactiveCreator, inactiveCreatorAll, inactivePrincipalCreator, inactivePrincipalCreatorAll];
    expect(await pairs("api_service_token_project_access", ids)).toEqual(expectPairs([[current, p[0]!]]));
    // Turning a user inactive later takes their tokens' access away at once.
    const later = await token(u.carol!, await principal(u.carol!), ["all", p[3]!]);
    expect(await pairs("api_service_token_project_access", [later])).toEqual(expectPairs([[later, p[3]!], [later, p[4]!]]));
    await sql`UPDATE users_user SET is_active = false WHERE id = ${u.carol!}::bigint`.execute(db);
    expect(await pairs("api_service_token_project_access", [later])).toEqual([]);
    await sql`UPDATE users_user SET is_active = true WHERE id = ${u.carol!}::bigint`.execute(db);
  });

  it("follow a creator who lost access to one project", async () => {
    const erinPrincipal = await principal(u.erin!);
    const selected = await token(u.erin!, erinPrincipal, [p[0]!, p[1]!]);
    const all = await token(u.erin!, erinPrincipal, ["all"]);
    expect(await pairs("api_service_token_project_access", [selected, all])).toEqual(expectPairs([[selected, p[0]!], [selected, p[1]!], [all, p[0]!], [all, p[1]!]]));
    await sql`DELETE FROM rolodex_projectassignment WHERE operator_id = ${u.erin!}::bigint AND project_id = ${p[1]!}::bigint`.execute(db);
    expect(await pairs("api_service_token_project_access", [selected, all])).toEqual(expectPairs([[selected, p[0]!], [all, p[0]!]]));
  });

  it("can be applied again (a repeatable migration), and dropped and recreated", async () => {
    const before = await pairs("api_service_token_project_access", (await sql<{ id: string }>`SELECT id::text AS id FROM api_servicetoken`.execute(db)).rows.map((r) => r.id));
    await sql.raw(UP).execute(db);
    await sql.raw(UP).execute(db);
    await sql.raw(DOWN).execute(db);
    expect(await viewNames()).toEqual([]);
    await sql.raw(DOWN).execute(db);
    await sql.raw(UP).execute(db);
    const after = await pairs("api_service_token_project_access", (await sql<{ id: string }>`SELECT id::text AS id FROM api_servicetoken`.execute(db)).rows.map((r) => r.id));
    expect(after).toEqual(before);
    expect(before.length).toBeGreaterThan(10);
  });

  it("leave Ghostwriter's own views (no marker) untouched, up and down", async () => {
    await sql.raw(DOWN).execute(db);
    await sql`CREATE VIEW api_user_project_read_access AS SELECT 1::bigint AS user_id, 2::bigint AS project_id`.execute(db);
    await sql`CREATE VIEW api_service_token_project_access AS SELECT 3::bigint AS token_id, 4::bigint AS project_id`.execute(db);
    await sql.raw(UP).execute(db);
    expect((await sql<{ t: string }>`SELECT token_id::text || ':' || project_id::text AS t FROM api_service_token_project_access`.execute(db)).rows).toEqual([{ t: "3:4" }]);
    expect((await sql<{ t: string }>`SELECT user_id::text || ':' || project_id::text AS t FROM api_user_project_read_access`.execute(db)).rows).toEqual([{ t: "1:2" }]);
    await sql.raw(DOWN).execute(db);
    expect(await viewNames()).toEqual(["api_service_token_project_access", "api_user_project_read_access"]);
    await sql`DROP VIEW api_service_token_project_access`.execute(db);
    // Ghostwriter's user view with the sidecar's token view on top of it: only ours is replaced.
    await sql.raw(UP).execute(db);
    expect((await sql<{ t: string }>`SELECT user_id::text || ':' || project_id::text AS t FROM api_user_project_read_access`.execute(db)).rows).toEqual([{ t: "1:2" }]);
    await sql.raw(DOWN).execute(db);
    expect(await viewNames()).toEqual(["api_user_project_read_access"]);
    await sql`DROP VIEW api_user_project_read_access`.execute(db);
    await sql.raw(UP).execute(db);
    expect(await viewNames()).toEqual(["api_service_token_project_access", "api_user_project_read_access"]);
  });

  it("make hostile table and column names harmless", async () => {
    const { policy } = readPolicy(hostilePolicyText(), "policy.yaml");
    const { up, down } = renderViewsSql(policy as Policy);
    const q = quoteIdentifier;
    await sql.raw(DOWN).execute(db);
    await sql.raw(`CREATE TABLE ${q(HOSTILE.users)} (id bigint PRIMARY KEY, ${q(HOSTILE.active)} boolean NOT NULL, role text NOT NULL, is_staff boolean NOT NULL)`).execute(db);
    await sql.raw(`CREATE TABLE ${q(HOSTILE.project)} (id bigint PRIMARY KEY, client_id bigint NOT NULL)`).execute(db);
    await sql.raw(`CREATE TABLE ${q(HOSTILE.invite)} (user_id bigint NOT NULL, project_id bigint NOT NULL)`).execute(db);
    await sql.raw(`CREATE TABLE client_invites (user_id bigint NOT NULL, client_id bigint NOT NULL)`).execute(db);
    await sql.raw(`INSERT INTO ${q(HOSTILE.users)} VALUES (10, true, ${"'admin''); DROP TABLE users_user; --'"}, false), (11, true, 'user', false), (12, true, 'user', true)`).execute(db);
    await sql.raw(`INSERT INTO ${q(HOSTILE.project)} VALUES (100, 7), (101, 8)`).execute(db);
    await sql.raw(`INSERT INTO ${q(HOSTILE.invite)} VALUES (11, 101)`).execute(db);
    await sql.raw(`INSERT INTO client_invites VALUES (11, 7)`).execute(db);
    const tokensBefore = (await sql<{ n: string }>`SELECT count(*)::text AS n FROM api_servicetoken`.execute(db)).rows[0]?.n;
    await sql.raw(up).execute(db);
    await sql.raw(up).execute(db);
    expect(await pairs("api_user_project_read_access", ["10", "11", "12"])).toEqual(["10:100", "10:101", "11:100", "11:101", "12:100", "12:101"]);
    expect((await sql<{ n: string }>`SELECT count(*)::text AS n FROM api_servicetoken`.execute(db)).rows[0]?.n).toBe(tokensBefore);
    expect((await sql<{ found: boolean }>`SELECT to_regclass('users_user') IS NOT NULL AS found`.execute(db)).rows[0]?.found).toBe(true);
    await sql.raw(down).execute(db);
    expect(await viewNames()).toEqual([]);
    await sql.raw(UP).execute(db);
  });
});

async function viewNames(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'v' AND n.nspname = 'public' AND c.relname IN ('api_service_token_project_access', 'api_user_project_read_access') ORDER BY 1`.execute(db);
  return rows.map((r) => r.name);
}
