// `token-sidecar tokens create | list | revoke | expiry`, in-process against a test database, with
// Ghostwriter's ServiceTokenForm rules (spec §2, §3, §8): presets write exactly Ghostwriter's rows;
// expiry required, future, within TOKEN_MAX_LIFETIME_DAYS; the creator is active and can see what
// is granted; an existing principal XOR a new name; nothing is half-created; revocation is final;
// an expiry change keeps the secret; the full token is printed once, on creation, and never again.

import { sql } from "kysely";
import { EXIT } from "../../cli/exit-codes";
import { argon2Parameters, verifySecret } from "../../webhook/credentials/django-hashers";
import { parseToken } from "../../webhook/credentials/token-format";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { cliRunner, type CliRunner } from "../support/cli";
import {
  CHEAP_ARGON2,
  assignToProject,
  credentialSnapshot,
  insertOperatorWithOplog,
  insertOplog,
  insertPrincipalRow,
  insertProject,
  insertUser,
  inviteToClient,
  inviteToProject,
  type SeedUser,
} from "../support/seed";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const in30d = new Date(NOW.getTime() + 30 * DAY).toISOString();

let testDb: TestDatabase;
let cli: CliRunner;

beforeAll(async () => {
  testDb = await createTestDatabase("migrated");
  cli = cliRunner(testDb.handle, { now: () => NOW });
});

afterAll(async () => {
  await testDb?.close();
});

/** A creator assigned to one project with an oplog, plus a project and an oplog they cannot see. */
async function world() {
  const mine = await insertOperatorWithOplog(testDb.db);
  const other = await insertProject(testDb.db);
  const otherOplog = await insertOplog(testDb.db, { projectId: other.projectId });
  return { creator: mine.user, projectId: mine.projectId, oplogId: mine.oplogId, otherProjectId: other.projectId, otherOplogId: otherOplog };
}

async function tokenRow(id: string) {
  const { rows } = await sql<{
    name: string;
    token_prefix: string;
    secret_hash: string;
    expiry_date: Date;
    last_used_at: Date | null;
    revoked: boolean;
    created_by_id: string;
    service_principal_id: string;
  }>`SELECT name, token_prefix, secret_hash, expiry_date, last_used_at, revoked, created_by_id::text AS created_by_id,
       service_principal_id::text AS service_principal_id
     FROM api_servicetoken WHERE id = ${id}::bigint`.execute(testDb.db);
  const row = rows[0];
  return row && { ...row, expiry_date: new Date(row.expiry_date).toISOString() };
}

async function permissionRows(tokenId: string) {
  const { rows } = await sql<{ resource_type: string; resource_id: number | null; action: string; constraints: unknown }>`
    SELECT resource_type, resource_id, action, constraints FROM api_servicetokenpermission
    WHERE token_id = ${tokenId}::bigint ORDER BY resource_type, resource_id, action`.execute(testDb.db);
  return rows.map((r) => ({ ...r, constraints: typeof r.constraints === "string" ? JSON.parse(r.constraints) : r.constraints }));
}

const oplogRows = (id: string) =>
  ["create", "delete", "read", "update"].map((action) => ({ resource_type: "oplog", resource_id: Number(id), action, constraints: {} }));

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("tokens create", () => {
  it("oplog_rw (--oplog): Ghostwriter's four rows, a Django Argon2id hash of the secret, the token printed once", async () => {
    const w = await world();
    const result = await cli(["tokens", "create", "--creator", w.creator.username, "--name", "Mythic", "--new-principal", "Mythic Sync", "--oplog", w.oplogId, "--expires", "30d", "--json"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const created = JSON.parse(result.out);
    const parsed = parseToken(created.token);
    expect(parsed?.kind).toBe("gwst");
    expect(created).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: "Mythic",
      prefix: `gwst_${parsed?.prefix}`,
      status: "active",
      principal: { id: expect.stringMatching(/^\d+$/), name: "Mythic Sync", active: true },
      creator: w.creator.username,
      created: expect.any(String),
      expires: in30d,
      lastUsedAt: null,
      preset: "oplog_rw",
      scope: `Oplog #${w.oplogId} (R/W)`,
      // In Ghostwriter's Meta ordering: resource_type, resource_id, action.
      permissions: ["create", "delete", "read", "update"].map((action) => ({ resourceType: "oplog", resourceId: w.oplogId, action, constraints: {} })),
      principalReused: false,
      token: created.token,
    });
    expect(occurrences(result.out, parsed!.secret)).toBe(1);

    const row = await tokenRow(created.id);
    expect(row).toMatchObject({
      name: "Mythic",
      token_prefix: parsed?.prefix,
      expiry_date: in30d,
      last_used_at: null,
      revoked: false,
      created_by_id: w.creator.id,
      service_principal_id: created.principal.id,
    });
    expect(row?.secret_hash).toMatch(/^argon2\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
    expect(argon2Parameters(row!.secret_hash)).toEqual(CHEAP_ARGON2);
    await expect(verifySecret(parsed!.secret, row!.secret_hash)).resolves.toBe(true);
    await expect(verifySecret(`${parsed!.secret.slice(0, -1)}A`, row!.secret_hash)).resolves.toBe(parsed!.secret.endsWith("A"));
    expect(await permissionRows(created.id)).toEqual(oplogRows(w.oplogId));

    const principal = await sql<{ name: string; service_type: string; active: boolean; created_by_id: string }>`
      SELECT name, service_type, active, created_by_id::text AS created_by_id FROM api_serviceprincipal WHERE id = ${created.principal.id}::bigint`.execute(testDb.db);
    expect(principal.rows).toEqual([{ name: "Mythic Sync", service_type: "integration", active: true, created_by_id: w.creator.id }]);

    // Nothing but the hash is stored: the secret appears in no credential table.
    const stored = JSON.stringify(await credentialSnapshot(testDb.db));
    expect(stored).toContain(parsed!.prefix);
    expect(stored).not.toContain(parsed!.secret);
  });

  it("the plain output shows the token once, after the summary", async () => {
    const w = await world();
    const result = await cli(["tokens", "create", "--creator", w.creator.id, "--name", "Plain", "--new-principal", "Plain P", "--oplog", w.oplogId, "--expires", "2d"]);
    expect(result.code).toBe(0);
    const token = result.out.trimEnd().split("\n").pop() as string;
    const parsed = parseToken(token);
    expect(parsed?.kind).toBe("gwst");
    expect(result.out).toMatch(
      new RegExp(`^service token: \\d+ \\(Plain\\)\\nprincipal:     \\d+ \\(Plain P, new\\)\\nscope:         Oplog #${w.oplogId} \\(R/W\\)\\nexpires:       \\S+\\n\\nToken \\(shown once; store it now, it cannot be shown again\\):\\n${token}\\n$`),
    );
    expect(occurrences(result.out + result.err, parsed!.secret)).toBe(1);
  });

  it("project_read on selected projects: one read row per project, sorted", async () => {
    const w = await world();
    const second = await insertProject(testDb.db);
    await inviteToProject(testDb.db, { userId: w.creator.id, projectId: second.projectId });
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Reader", "--new-principal", "Reader", "--projects", `${second.projectId}, ${w.projectId},${second.projectId}`, "--expires", "7d", "--json"]);
    expect(created).toMatchObject({ preset: "project_read", scope: "2 Projects (Read-Only)" });
    const ids = [w.projectId, second.projectId].map(Number).sort((a, b) => a - b);
    expect(await permissionRows(created.id)).toEqual(ids.map((id) => ({ resource_type: "project", resource_id: id, action: "read", constraints: {} })));
  });

  it("project_read on one project reads 'Project #N (Read-Only)'; --preset project_read may be spelled out", async () => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "One", "--new-principal", "One", "--preset", "project_read", "--projects", w.projectId, "--expires", "7d", "--json"]);
    expect(created).toMatchObject({ preset: "project_read", scope: `Project #${w.projectId} (Read-Only)` });
    expect(await permissionRows(created.id)).toEqual([{ resource_type: "project", resource_id: Number(w.projectId), action: "read", constraints: {} }]);
  });

  it("project_read on all accessible projects: the one dynamic row", async () => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "All", "--new-principal", "All", "--all-projects", "--expires", "7d", "--json"]);
    expect(created).toMatchObject({
      preset: "project_read",
      scope: "All Accessible Projects (Read-Only)",
      permissions: [{ resourceType: "project", resourceId: null, action: "read", constraints: { scope: "all_accessible_projects" } }],
    });
    expect(await permissionRows(created.id)).toEqual([{ resource_type: "project", resource_id: null, action: "read", constraints: { scope: "all_accessible_projects" } }]);
  });

  it("explicit --grants write exactly those rows (custom)", async () => {
    const w = await world();
    const created = await cli.json([
      "tokens", "create", "--creator", w.creator.username, "--name", "Custom", "--new-principal", "Custom",
      "--grant", `oplog:${w.oplogId}:read`, `oplog:${w.oplogId}:create`, "--grant", `project:${w.projectId}:read`, "--expires", "7d", "--json",
    ]);
    expect(created).toMatchObject({ preset: "custom", scope: `Oplog #${w.oplogId}` });
    expect(await permissionRows(created.id)).toEqual([
      { resource_type: "oplog", resource_id: Number(w.oplogId), action: "create", constraints: {} },
      { resource_type: "oplog", resource_id: Number(w.oplogId), action: "read", constraints: {} },
      { resource_type: "project", resource_id: Number(w.projectId), action: "read", constraints: {} },
    ]);
  });

  it("four explicit grants equal to oplog_rw are recognised as oplog_rw", async () => {
    const w = await world();
    const grants = ["read", "create", "update", "delete"].map((a) => `oplog:${w.oplogId}:${a}`);
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Spelled", "--new-principal", "Spelled", "--grant", ...grants, "--expires", "7d", "--json"]);
    expect(created.preset).toBe("oplog_rw");
    expect(await permissionRows(created.id)).toEqual(oplogRows(w.oplogId));
  });

  it("reuses an existing principal (--principal), or an active namesake of --new-principal ignoring case", async () => {
    const w = await world();
    const principalId = await insertPrincipalRow(testDb.db, { ownerId: w.creator.id, name: "Long Lived" });
    const byId = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "A", "--principal", principalId, "--oplog", w.oplogId, "--expires", "7d", "--json"]);
    expect(byId).toMatchObject({ principal: { id: principalId, name: "Long Lived" }, principalReused: true });
    const before = await credentialSnapshot(testDb.db);
    const byName = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "B", "--new-principal", "  LONG lived ", "--oplog", w.oplogId, "--expires", "7d", "--json"]);
    expect(byName).toMatchObject({ principal: { id: principalId, name: "Long Lived" }, principalReused: true });
    const after = await credentialSnapshot(testDb.db);
    expect(after.api_serviceprincipal).toEqual(before.api_serviceprincipal);
    expect(after.api_servicetoken).toHaveLength(before.api_servicetoken!.length + 1);
  });

  it("a new principal is not reused from an inactive namesake or another owner", async () => {
    const w = await world();
    const someoneElse = await insertUser(testDb.db);
    const inactive = await insertPrincipalRow(testDb.db, { ownerId: w.creator.id, name: "Namesake", active: false });
    const foreign = await insertPrincipalRow(testDb.db, { ownerId: someoneElse.id, name: "Namesake" });
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "N", "--new-principal", "namesake", "--oplog", w.oplogId, "--expires", "7d", "--json"]);
    expect(created.principalReused).toBe(false);
    expect([inactive, foreign]).not.toContain(created.principal.id);
    expect(created.principal.name).toBe("namesake");
  });

  it("the creator may grant what they reach through any of Ghostwriter's paths", async () => {
    // Privileged users reach every project and oplog, including an oplog without a project.
    const w = await world();
    const manager = await insertUser(testDb.db, { role: "manager" });
    const staff = await insertUser(testDb.db, { isStaff: true });
    const orphanOplog = await insertOplog(testDb.db, { projectId: null });
    for (const privileged of [manager, staff]) {
      const created = await cli.json(["tokens", "create", "--creator", privileged.username, "--name", "P", "--new-principal", "P", "--grant", `oplog:${w.otherOplogId}:read`, `oplog:${orphanOplog}:read`, `project:${w.otherProjectId}:read`, "--expires", "7d", "--json"]);
      expect(created.permissions).toHaveLength(3);
    }
    // A client invitation covers the client's projects and their oplogs.
    const invited = await insertUser(testDb.db);
    const client = await insertProject(testDb.db);
    const oplog = await insertOplog(testDb.db, { projectId: client.projectId });
    await inviteToClient(testDb.db, { userId: invited.id, clientId: client.clientId });
    const viaClient = await cli.json(["tokens", "create", "--creator", invited.username, "--name", "C", "--new-principal", "C", "--oplog", oplog, "--expires", "7d", "--json"]);
    expect(viaClient.scope).toBe(`Oplog #${oplog} (R/W)`);
    // A project invitation covers that project.
    const projectInvitee = await insertUser(testDb.db);
    await inviteToProject(testDb.db, { userId: projectInvitee.id, projectId: w.otherProjectId });
    const viaInvite = await cli.json(["tokens", "create", "--creator", projectInvitee.username, "--name", "I", "--new-principal", "I", "--projects", w.otherProjectId, "--expires", "7d", "--json"]);
    expect(viaInvite.scope).toBe(`Project #${w.otherProjectId} (Read-Only)`);
  });

  it("accepts an expiry of exactly TOKEN_MAX_LIFETIME_DAYS", async () => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Max", "--new-principal", "Max", "--oplog", w.oplogId, "--expires", "30d", "--json"], { TOKEN_MAX_LIFETIME_DAYS: "30" });
    expect(created.expires).toBe(in30d);
  });
});

describe("tokens create refuses bad input, with its exit code, and writes nothing", () => {
  type W = Awaited<ReturnType<typeof world>> & { inactiveUser: SeedUser; foreignPrincipal: string; inactivePrincipal: string; orphanOplog: string };
  let w: W;
  beforeAll(async () => {
    const base = await world();
    const inactiveUser = await insertUser(testDb.db, { isActive: false });
    await assignToProject(testDb.db, { userId: inactiveUser.id, projectId: base.projectId });
    const stranger = await insertUser(testDb.db);
    w = {
      ...base,
      inactiveUser,
      foreignPrincipal: await insertPrincipalRow(testDb.db, { ownerId: stranger.id }),
      inactivePrincipal: await insertPrincipalRow(testDb.db, { ownerId: base.creator.id, active: false }),
      orphanOplog: await insertOplog(testDb.db, { projectId: null }),
    };
  });

  const base = () => ["tokens", "create", "--creator", w.creator.username, "--name", "T", "--new-principal", "Fresh Principal"];
  const cases: Array<[string, () => string[], number, string | RegExp, Record<string, string>?]> = [
    ["no expiry", () => [...base(), "--oplog", w.oplogId], EXIT.invalidInput, "an expiry is required"],
    ["an expiry in the past", () => [...base(), "--oplog", w.oplogId, "--expires", "2001-01-01"], EXIT.invalidInput, "The token expiration date cannot be in the past"],
    ["an expiry of now", () => [...base(), "--oplog", w.oplogId, "--expires", NOW.toISOString()], EXIT.invalidInput, "The token expiration date cannot be in the past"],
    ["an expiry beyond TOKEN_MAX_LIFETIME_DAYS", () => [...base(), "--oplog", w.oplogId, "--expires", "31d"], EXIT.invalidInput, "the expiry is more than 30 days away (TOKEN_MAX_LIFETIME_DAYS)", { TOKEN_MAX_LIFETIME_DAYS: "30" }],
    ["an expiry beyond the default 365 days", () => [...base(), "--oplog", w.oplogId, "--expires", "366d"], EXIT.invalidInput, "the expiry is more than 365 days away"],
    ["an unreadable expiry", () => [...base(), "--oplog", w.oplogId, "--expires", "next week"], EXIT.invalidInput, 'expiry "next week" is not a date-time'],
    ["an inactive creator", () => ["tokens", "create", "--creator", w.inactiveUser.username, "--name", "T", "--new-principal", "X", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, /the creator \S+ is not an active user/],
    ["an unknown creator", () => ["tokens", "create", "--creator", "nobody-here", "--name", "T", "--new-principal", "X", "--oplog", w.oplogId, "--expires", "7d"], EXIT.notFound, "user nobody-here does not exist"],
    ["an oplog the creator cannot see", () => [...base(), "--oplog", w.otherOplogId, "--expires", "7d"], EXIT.invalidInput, "You do not have permission to create a service token for this oplog"],
    ["an oplog that does not exist", () => [...base(), "--oplog", "987654", "--expires", "7d"], EXIT.invalidInput, "oplog 987654 does not exist"],
    ["an oplog without a project, for a non-privileged creator", () => [...base(), "--grant", `oplog:${w.orphanOplog}:read`, "--expires", "7d"], EXIT.invalidInput, "You do not have permission to create a service token for this oplog"],
    ["a project the creator cannot see", () => [...base(), "--projects", `${w.projectId},${w.otherProjectId}`, "--expires", "7d"], EXIT.invalidInput, /cannot view project\(s\) \d+ \(or they do not exist\)\n$/],
    ["a project that does not exist", () => [...base(), "--projects", "987654", "--expires", "7d"], EXIT.invalidInput, "cannot view project(s) 987654 (or they do not exist)"],
    ["a grant on a project the creator cannot see", () => [...base(), "--grant", `oplog:${w.oplogId}:read`, `project:${w.otherProjectId}:read`, "--expires", "7d"], EXIT.invalidInput, /cannot view project\(s\) \d+ \(or they do not exist\)\n$/],
    ["an empty project list", () => [...base(), "--projects", " , ", "--expires", "7d"], EXIT.invalidInput, "Select at least one project for a project read-only token"],
    ["a non-numeric project id", () => [...base(), "--projects", `${w.projectId},abc`, "--expires", "7d"], EXIT.invalidInput, 'project id "abc" is not a positive whole number'],
    ["a project id beyond the integer column", () => [...base(), "--projects", "2147483648", "--expires", "7d"], EXIT.invalidInput, 'project id "2147483648" is out of range'],
    ["oplog id zero", () => [...base(), "--oplog", "0", "--expires", "7d"], EXIT.invalidInput, 'oplog id "0" is not a positive whole number'],
    ["both a principal and a new principal", () => ["tokens", "create", "--creator", w.creator.username, "--name", "T", "--principal", w.inactivePrincipal, "--new-principal", "X", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, "Select an existing service principal or enter a new one, not both"],
    ["neither a principal nor a new principal", () => ["tokens", "create", "--creator", w.creator.username, "--name", "T", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, "Select an existing service principal or enter a new one"],
    ["a blank new principal name", () => ["tokens", "create", "--creator", w.creator.username, "--name", "T", "--new-principal", "   ", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, "Select an existing service principal or enter a new one"],
    ["another user's principal", () => ["tokens", "create", "--creator", w.creator.username, "--name", "T", "--principal", w.foreignPrincipal, "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, /service principal \d+ is not an active principal of \S+\n$/],
    ["an inactive principal", () => ["tokens", "create", "--creator", w.creator.username, "--name", "T", "--principal", w.inactivePrincipal, "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, /service principal \d+ is not an active principal of \S+\n$/],
    ["an unknown principal", () => ["tokens", "create", "--creator", w.creator.username, "--name", "T", "--principal", "99999999", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, "service principal 99999999 is not an active principal of"],
    ["no scope at all", () => [...base(), "--expires", "7d"], EXIT.invalidInput, "say what the token may reach"],
    ["two scopes", () => [...base(), "--oplog", w.oplogId, "--all-projects", "--expires", "7d"], EXIT.invalidInput, "give only one of --oplog, --projects, --all-projects and --grant"],
    ["an unknown preset", () => [...base(), "--preset", "admin", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, 'unknown preset "admin"'],
    ["oplog_rw without an oplog", () => [...base(), "--preset", "oplog_rw", "--projects", w.projectId, "--expires", "7d"], EXIT.invalidInput, "Select an oplog for an oplog read/write token"],
    ["project_read without projects", () => [...base(), "--preset", "project_read", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, "Select at least one project for a project read-only token"],
    ["custom without grants", () => [...base(), "--preset", "custom", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, "a custom token needs --grant"],
    ["a malformed grant", () => [...base(), "--grant", "oplog:1:write", "--expires", "7d"], EXIT.invalidInput, 'grant "oplog:1:write" must look like'],
    ["a project write grant", () => [...base(), "--grant", `project:${w.projectId}:update`, "--expires", "7d"], EXIT.invalidInput, "projects can only be granted read"],
    ["a duplicated grant", () => [...base(), "--grant", `oplog:${w.oplogId}:read`, `oplog:0${w.oplogId}:read`, "--expires", "7d"], EXIT.invalidInput, "is given twice"],
    ["a blank token name", () => ["tokens", "create", "--creator", w.creator.username, "--name", "  ", "--new-principal", "X", "--oplog", w.oplogId, "--expires", "7d"], EXIT.invalidInput, "a token name is required"],
    ["a missing --creator", () => ["tokens", "create", "--name", "T", "--new-principal", "X", "--oplog", w.oplogId, "--expires", "7d"], EXIT.usage, "required option '--creator <user>' not specified"],
    ["an unknown option", () => [...base(), "--oplog", w.oplogId, "--expires", "7d", "--forever"], EXIT.usage, "unknown option '--forever'"],
  ];

  // A rest parameter: with five named parameters and four-element rows jest would pass `done` as env.
  it.each(cases)("%s", async (...[, args, code, message, env]) => {
    const before = await credentialSnapshot(testDb.db);
    const result = await cli(args(), env);
    expect(result.code).toBe(code);
    if (typeof message === "string") expect(result.err).toContain(message);
    else expect(result.err).toMatch(message);
    expect(result.err).not.toContain("unexpected error");
    expect(result.out).toBe("");
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });

  it("a failure inside the write transaction leaves neither the new principal nor the token behind", async () => {
    // Make the permission insert fail after the principal and token rows were written.
    await sql`CREATE FUNCTION test_refuse_permission() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$`.execute(testDb.db);
    await sql`CREATE TRIGGER test_refuse_permission BEFORE INSERT ON api_servicetokenpermission
      FOR EACH ROW EXECUTE FUNCTION test_refuse_permission()`.execute(testDb.db);
    try {
      const before = await credentialSnapshot(testDb.db);
      const result = await cli([...base(), "--oplog", w.oplogId, "--expires", "7d"]);
      expect(result.code).toBe(EXIT.internal);
      expect(result.err).toContain("refused by test trigger");
      expect(result.out).toBe("");
      expect(await credentialSnapshot(testDb.db)).toEqual(before);
    } finally {
      await sql`DROP TRIGGER test_refuse_permission ON api_servicetokenpermission`.execute(testDb.db);
      await sql`DROP FUNCTION test_refuse_permission()`.execute(testDb.db);
    }
  });
});

describe("tokens list", () => {
  it("shows scope summary, status and last use, never the secret; revoked tokens only with --all", async () => {
    const w = await world();
    const a = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "First", "--new-principal", "Lister", "--oplog", w.oplogId, "--expires", "10d", "--json"]);
    const b = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Second", "--new-principal", "Lister", "--projects", w.projectId, "--expires", "20d", "--json"]);
    const c = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Third", "--new-principal", "Lister", "--all-projects", "--expires", "5d", "--json"]);
    const usedAt = new Date(NOW.getTime() - 3_600_000);
    await sql`UPDATE api_servicetoken SET last_used_at = ${usedAt} WHERE id = ${a.id}::bigint`.execute(testDb.db);
    expect((await cli(["tokens", "revoke", c.id])).code).toBe(0);

    const listed = await cli.json(["tokens", "list", "--creator", w.creator.username, "--json"]);
    const { token: _a, principalReused: _ar, ...aView } = a;
    const { token: _b, principalReused: _br, ...bView } = b;
    expect(listed).toEqual([
      { ...bView },
      { ...aView, lastUsedAt: usedAt.toISOString() },
    ]);

    const all = await cli.json(["tokens", "list", "--creator", w.creator.username, "--all", "--json"]);
    expect(all.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
      [c.id, "revoked"],
      [b.id, "active"],
      [a.id, "active"],
    ]);

    const table = await cli(["tokens", "list", "--creator", w.creator.username, "--all"]);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+PRINCIPAL\s+SCOPE\s+STATUS\s+EXPIRES\s+LAST USED$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(new RegExp(`^${c.id}\\s+Third\\s+${c.prefix}\\s+Lister\\s+All Accessible Projects \\(Read-Only\\)\\s+revoked\\s+\\S+\\s+-$`));
    expect(lines[2]).toMatch(new RegExp(`^${b.id}\\s+Second\\s+${b.prefix}\\s+Lister\\s+Project #${w.projectId} \\(Read-Only\\)\\s+active\\s+\\S+\\s+-$`));
    expect(lines[3]).toMatch(new RegExp(`^${a.id}\\s+First\\s+${a.prefix}\\s+Lister\\s+Oplog #${w.oplogId} \\(R/W\\)\\s+active\\s+\\S+\\s+${usedAt.toISOString().replace(/\.\d{3}Z$/, "Z")}$`));

    for (const output of [JSON.stringify(listed), JSON.stringify(all), table.out]) {
      for (const created of [a, b, c]) expect(output).not.toContain(parseToken(created.token)!.secret);
    }
  });

  it("marks an expired token as expired", async () => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Soon", "--new-principal", "Soon", "--oplog", w.oplogId, "--expires", "1h", "--json"]);
    const later = cliRunner(testDb.handle, { now: () => new Date(NOW.getTime() + 2 * 3_600_000) });
    const listed = await later.json(["tokens", "list", "--creator", w.creator.username, "--json"]);
    expect(listed.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([[created.id, "expired"]]);
  });

  it("filters by principal, and refuses a malformed or unknown filter with a clear message", async () => {
    const w = await world();
    const a = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "P1", "--new-principal", "Filter One", "--oplog", w.oplogId, "--expires", "1d", "--json"]);
    await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "P2", "--new-principal", "Filter Two", "--oplog", w.oplogId, "--expires", "1d", "--json"]);
    const byPrincipal = await cli.json(["tokens", "list", "--principal", a.principal.id, "--json"]);
    expect(byPrincipal.map((t: { id: string }) => t.id)).toEqual([a.id]);

    const unknownCreator = await cli(["tokens", "list", "--creator", "not-a-user"]);
    expect(unknownCreator).toEqual({ code: EXIT.notFound, out: "", err: "token-sidecar: user not-a-user does not exist\n" });
    const badPrincipal = await cli(["tokens", "list", "--principal", "abc"]);
    expect(badPrincipal).toEqual({ code: EXIT.invalidInput, out: "", err: 'token-sidecar: principal id "abc" is not a positive whole number\n' });
  });
});

describe("tokens revoke", () => {
  it("revokes once and for good: a second revoke and an expiry change are conflicts", async () => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Doomed", "--new-principal", "Doomed", "--oplog", w.oplogId, "--expires", "7d", "--json"]);
    const revoked = await cli(["tokens", "revoke", created.id]);
    expect(revoked).toEqual({ code: 0, out: `service token ${created.id} (Doomed) revoked\n`, err: "" });
    expect(await tokenRow(created.id)).toMatchObject({ revoked: true });

    const before = await credentialSnapshot(testDb.db);
    const again = await cli(["tokens", "revoke", created.id]);
    expect(again).toEqual({ code: EXIT.conflict, out: "", err: `token-sidecar: service token ${created.id} is already revoked\n` });
    const expiry = await cli(["tokens", "expiry", created.id, "--expires", "30d"]);
    expect(expiry).toEqual({ code: EXIT.conflict, out: "", err: "token-sidecar: Revoked service tokens cannot be updated.\n" });
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });

  it("--json shows the revoked token without its secret", async () => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "J", "--new-principal", "J", "--oplog", w.oplogId, "--expires", "7d", "--json"]);
    const result = await cli(["tokens", "revoke", created.id, "--json"]);
    expect(result.code).toBe(0);
    const { token: _t, principalReused: _p, ...view } = created;
    expect(JSON.parse(result.out)).toEqual({ ...view, status: "revoked" });
    expect(result.out).not.toContain(parseToken(created.token)!.secret);
  });

  it.each([
    ["an unknown id", "99999999", EXIT.notFound, "service token 99999999 does not exist"],
    ["a malformed id", "gwst_abc", EXIT.invalidInput, 'token id "gwst_abc" is not a positive whole number'],
  ])("refuses %s", async (_label, id, code, message) => {
    const result = await cli(["tokens", "revoke", id]);
    expect(result).toEqual({ code, out: "", err: `token-sidecar: ${message}\n` });
  });
});

describe("tokens expiry", () => {
  it("changes only the expiry: the same prefix, hash and secret keep working (no rotation)", async () => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Extend", "--new-principal", "Extend", "--oplog", w.oplogId, "--expires", "7d", "--json"]);
    const before = await tokenRow(created.id);
    const result = await cli(["tokens", "expiry", created.id, "--expires", "60d"]);
    const in60d = new Date(NOW.getTime() + 60 * DAY).toISOString();
    expect(result).toEqual({ code: 0, out: `service token ${created.id} now expires ${in60d}\n`, err: "" });
    const after = await tokenRow(created.id);
    expect(after).toEqual({ ...before, expiry_date: in60d });
    await expect(verifySecret(parseToken(created.token)!.secret, after!.secret_hash)).resolves.toBe(true);

    const json = await cli.json(["tokens", "expiry", created.id, "--expires", "2d", "--json"]);
    expect(json).toMatchObject({ id: created.id, prefix: created.prefix, expires: new Date(NOW.getTime() + 2 * DAY).toISOString() });
    expect(JSON.stringify(json)).not.toContain(parseToken(created.token)!.secret);
  });

  it.each([
    ["an expiry in the past", ["--expires", "2000-01-01"], EXIT.invalidInput, "The token expiration date cannot be in the past"],
    ["an expiry beyond the maximum lifetime", ["--expires", "400d"], EXIT.invalidInput, "the expiry is more than 365 days away"],
    ["a blank expiry", ["--expires", " "], EXIT.invalidInput, "an expiry is required"],
    ["no --expires", [], EXIT.usage, "required option '--expires <when>' not specified"],
  ])("refuses %s and changes nothing", async (_label, extra, code, message) => {
    const w = await world();
    const created = await cli.json(["tokens", "create", "--creator", w.creator.username, "--name", "Keep", "--new-principal", "Keep", "--oplog", w.oplogId, "--expires", "7d", "--json"]);
    const before = await credentialSnapshot(testDb.db);
    const result = await cli(["tokens", "expiry", created.id, ...extra]);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });

  it("refuses an unknown token", async () => {
    expect(await cli(["tokens", "expiry", "99999999", "--expires", "1d"])).toEqual({ code: EXIT.notFound, out: "", err: "token-sidecar: service token 99999999 does not exist\n" });
  });
});
