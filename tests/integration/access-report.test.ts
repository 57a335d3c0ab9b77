// `token-sidecar access`, run in-process on the rich seed. What it prints is checked against
// expectations that never touch the evaluator: row counts from Ghostwriter's rules as plain SQL
// (row-isolation/expectations.ts), owning projects and oplogs from the seed's foreign keys
// (support/access-expectations.ts), scope strings and stale grants from what each token was minted
// with. A report is read-only: the checks' side effects (pruning, revocation) and last use are
// rolled back or never recorded, by token and by --token-id alike; the last block proves a real
// check of the same token would have made them.

import { sql } from "kysely";
import request from "supertest";
import type { AccessReport } from "../../evaluator/report";
import { sessionForServiceTokenId } from "../../evaluator/session";
import { EXIT } from "../../cli/exit-codes";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { cliRunner, type CliResult, type CliRunner } from "../support/cli";
import { OWNERS, expectedTables } from "../support/access-expectations";
import { RICH_ENV, applyTokenFates, mintApiToken, mintRichTokens, seedRichWorld, type MintedToken, type RichWorld, type TokenKey } from "../support/rich-seed";
import { startTestSidecar } from "../contract/sidecar";
import { METADATA_ROOT, tablesWithPermission } from "./row-isolation/harness";
import type { ServiceGrant } from "./row-isolation/expectations";

const LIVE = ["oplogRw", "projectOne", "projectSeveral", "allMember", "mixed", "lostProject"] as const;
type LiveKey = (typeof LIVE)[number];
const DEAD = ["revoked", "expired", "inactiveCreator", "lostAll"] as const;
const SERVICE_TABLES = tablesWithPermission("service", "select");
const ENTRY_TABLE = "public.oplog_oplogentry";

let testDb: TestDatabase;
let world: RichWorld;
let tokens: Record<TokenKey, MintedToken>;
let apiTokens: Record<"alice" | "mia", { token: string; id: string }>;
let cli: CliRunner;
/** Every secret minted here: no output may ever contain one. */
let secrets: string[] = [];
let runs = 0;

beforeAll(async () => {
  testDb = await createTestDatabase("migrated");
  world = await seedRichWorld(testDb.db);
  tokens = await mintRichTokens(world, [...LIVE, ...DEAD]);
  // Fates only change rows; no credential check has run, so nothing is pruned or revoked yet.
  await applyTokenFates(testDb.db, world, tokens);
  apiTokens = { alice: await mintApiToken(world, "alice"), mia: await mintApiToken(world, "mia") };
  // Everything after the 22-character public part (the secret may itself contain "_").
  secrets = [...Object.values(tokens), ...Object.values(apiTokens)].map((t) => t.token.slice("gwst_0123456789abcdef_".length));
  // Fresh tables have no statistics; the users_user filter plans badly without them.
  await sql`ANALYZE`.execute(testDb.db);
  cli = cliRunner(testDb.handle, { env: RICH_ENV });
}, 180_000);

afterAll(async () => {
  await testDb?.close();
});

/** Runs `access`, failing at once if any secret shows up in stdout or stderr. */
async function access(...args: string[]): Promise<CliResult> {
  const result = await cli(["access", ...args, "--metadata", METADATA_ROOT]);
  runs += 1;
  for (const secret of secrets) expect(`${result.out}\n${result.err}`).not.toContain(secret);
  return result;
}

async function report(...args: string[]): Promise<AccessReport> {
  const result = await access(...args, "--json");
  if (result.code !== EXIT.ok) throw new Error(`access exited ${result.code}: ${result.err}`);
  return JSON.parse(result.out) as AccessReport;
}

const ids = (...keys: ("alpha" | "bravo" | "charlie" | "delta" | "echo")[]) => keys.map((k) => world.projects[k].id);

/** What each token reads now, from how it was minted and who its creator still reaches. */
function grantOf(key: LiveKey): ServiceGrant {
  const grants: Record<LiveKey, () => ServiceGrant> = {
    oplogRw: () => ({ projects: [], readOplog: world.oplogs.alphaLog1 }),
    projectOne: () => ({ projects: ids("alpha"), readOplog: "-1" }),
    projectSeveral: () => ({ projects: ids("alpha", "charlie"), readOplog: "-1" }), // alice is invited to charlie
    allMember: () => ({ projects: ids("charlie", "delta", "echo"), readOplog: "-1" }), // dave: delta, and client globex
    mixed: () => ({ projects: ids("bravo"), readOplog: world.oplogs.charlieLog }),
    lostProject: () => ({ projects: ids("alpha"), readOplog: "-1" }), // lena lost charlie
  };
  return grants[key]();
}

/** Ghostwriter's scope_display for each, over the stored rows (a stale grant still counts). */
function scopeOf(key: LiveKey): string {
  const scopes: Record<LiveKey, () => string> = {
    oplogRw: () => `Oplog #${world.oplogs.alphaLog1} (R/W)`,
    projectOne: () => `Project #${world.projects.alpha.id} (Read-Only)`,
    projectSeveral: () => "2 Projects (Read-Only)",
    allMember: () => "All Accessible Projects (Read-Only)",
    mixed: () => `Oplog #${world.oplogs.charlieLog}`, // outside the presets, one oplog id is still named
    lostProject: () => "2 Projects (Read-Only)",
  };
  return scopes[key]();
}

describe.each(LIVE.map((key) => [key] as const))("%s token", (key) => {
  it("reports, per readable table, the rows and their projects and oplogs Ghostwriter's rules give", async () => {
    const r = await report(tokens[key].token);
    expect(r.tables.map((t) => t.table).sort()).toEqual(SERVICE_TABLES);
    const actual = Object.fromEntries(r.tables.map((t) => [t.table, t.table in OWNERS ? { rows: t.rows, projects: t.projects, oplogs: t.oplogs } : { rows: t.rows }]));
    expect(actual).toEqual(await expectedTables(testDb.db, SERVICE_TABLES, grantOf(key)));
  });

  it("shows the scope summary, stale grants, expiry and last use", async () => {
    const { rows } = await sql<{ expiry: Date }>`SELECT expiry_date AS expiry FROM api_servicetoken WHERE id = ${tokens[key].id}::bigint`.execute(testDb.db);
    const r = await report(tokens[key].token);
    expect(r.credential).toMatchObject({
      kind: "service_token", id: tokens[key].id, status: "usable", scope: scopeOf(key),
      staleProjects: key === "lostProject" ? ids("charlie") : [], expires: new Date(rows[0]!.expiry).toISOString(), lastUsedAt: null,
    });
    const text = await access(tokens[key].token);
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toContain(`scope:         ${scopeOf(key)} (preset `);
    expect(text.out).toMatch(key === "lostProject" ? `stale grants:  project(s) ${world.projects.charlie.id}: the creator lost access` : /stale grants: +none/);
    expect(text.out).toMatch(/last used: +never/);
    expect(text.out).toContain("Readable tables (select):");
  });

  it("--token-id gives the same report: the same checks, minus the secret", async () => {
    const byToken = await report(tokens[key].token);
    const byId = await report("--token-id", tokens[key].id);
    expect(byId.tables).toEqual(byToken.tables);
    expect(byId.mutations).toEqual(byToken.mutations);
    expect(byId.credential).toEqual(byToken.credential);
    // Only /auth's answer carries Cache-Control (for Hasura's websocket expiry).
    const { "Cache-Control": maxAge, ...variables } = byToken.session ?? {};
    expect(maxAge).toBe("max-age=60");
    expect(byId.session).toEqual(variables);
  });
});

describe("mutations", () => {
  it("oplog_rw may insert, and update and delete its oplog's entries, on oplog_oplogentry only", async () => {
    const r = await report(tokens.oplogRw.token);
    const oplog = world.oplogs.alphaLog1;
    expect(r.mutations.map((m) => [m.table, m.action, m.rows])).toEqual([
      [ENTRY_TABLE, "insert", undefined],
      [ENTRY_TABLE, "update", world.entries.alphaLog1.length],
      [ENTRY_TABLE, "delete", world.entries.alphaLog1.length],
    ]);
    expect(r.mutations.map((m) => m.condition)).toEqual([
      { oplog_id_id: { _eq: `${oplog} (X-Hasura-Create-OplogEntry-Oplog-Id)` } },
      { oplog_id_id: { _eq: `${oplog} (X-Hasura-Update-OplogEntry-Oplog-Id)` } },
      { oplog_id_id: { _eq: `${oplog} (X-Hasura-Delete-OplogEntry-Oplog-Id)` } },
    ]);
    // The metadata grants the service role no other mutation anywhere.
    for (const action of ["insert", "update", "delete"] as const) expect(tablesWithPermission("service", action)).toEqual([ENTRY_TABLE]);
    const insert = r.mutations[0]!;
    expect(insert.columns).toEqual(expect.arrayContaining(["command", "oplog_id_id"]));
    expect(insert.columns).not.toContain("id");
  });

  it.each(LIVE.filter((key) => key !== "oplogRw").map((key) => [key] as const))("%s may change no row (its oplog ids are -1)", async (key) => {
    const r = await report(tokens[key].token);
    expect(r.mutations.filter((m) => m.action !== "insert").map((m) => m.rows)).toEqual([0, 0]);
    expect(JSON.stringify(r.mutations.map((m) => m.condition))).not.toMatch(/"_eq":"(?!-1 )/);
  });
});

describe("credentials that reach nothing", () => {
  const unknownService = `gwst_${"0".repeat(16)}_${"A".repeat(43)}`;
  const unknownApi = `gwat_${"0".repeat(16)}_${"A".repeat(43)}`;
  /** [label, arguments, status, reason, exit code] */
  const cases: [string, () => string[], string, string | undefined, number][] = [
    ["revoked, by token", () => [tokens.revoked.token], "revoked", undefined, EXIT.conflict],
    ["revoked, by id", () => ["--token-id", tokens.revoked.id], "revoked", undefined, EXIT.conflict],
    ["expired, by token", () => [tokens.expired.token], "expired", undefined, EXIT.conflict],
    ["expired, by id", () => ["--token-id", tokens.expired.id], "expired", undefined, EXIT.conflict],
    ["with an inactive creator", () => [tokens.inactiveCreator.token], "rejected", "creator_inactive", EXIT.conflict],
    ["whose creator lost every project", () => ["--token-id", tokens.lostAll.id], "rejected", "grants_invalid", EXIT.conflict],
    ["with a wrong secret", () => [`${tokens.oplogRw.token.slice(0, 22)}${"B".repeat(43)}`], "rejected", "bad_secret", EXIT.conflict],
    ["unknown service token", () => [unknownService], "unknown", undefined, EXIT.notFound],
    ["unknown API token", () => [unknownApi], "unknown", undefined, EXIT.notFound],
    ["unknown id", () => ["--token-id", "999999"], "unknown", undefined, EXIT.notFound],
    ["malformed gwst_", () => ["gwst_abc"], "unknown", "not a well-formed token", EXIT.notFound],
    ["malformed, no family at all", () => ["not-a-token"], "unknown", "not a well-formed token", EXIT.notFound],
  ];

  it.each(cases)("%s: says so, shows no table, exits non-zero", async (_label, args, status, reason, code) => {
    const text = await access(...args());
    expect(text.code).toBe(code);
    expect(text.out).toContain(`status:`);
    expect(text.out).toContain(status);
    expect(text.out).toContain("It can reach nothing");
    expect(text.out).not.toContain("Readable tables");
    expect(text.out).not.toContain("Mutations");
    expect(text.err).toMatch(code === EXIT.notFound ? /^token-sidecar: no such token/ : /^token-sidecar: the (token is|webhook would refuse).*it can reach nothing\n$/);

    const json = await access(...args(), "--json");
    expect(json.code).toBe(code);
    const parsed = JSON.parse(json.out) as AccessReport;
    expect(parsed).toEqual({ credential: expect.objectContaining({ status, ...(reason ? { reason } : {}) }), tables: [], mutations: [] });
  });
});

describe("API tokens (gwat_)", () => {
  it.each([["alice", "user"], ["mia", "manager"]] as const)("%s's token reports the user and their role (%s)", async (user, role) => {
    const r = await report(apiTokens[user].token);
    expect(r.credential).toMatchObject({ kind: "api_token", id: apiTokens[user].id, owner: world.usernames[user], status: "usable", lastUsedAt: null });
    expect(r.role).toBe(role);
    expect(r.session).toMatchObject({ "X-Hasura-Role": role, "X-Hasura-User-Id": world.users[user], "X-Hasura-User-Name": world.usernames[user] });
    // The reference metadata gives user roles nothing: Ghostwriter's users go through Django.
    expect(r.tables.map((t) => t.table)).toEqual(tablesWithPermission(role, "select"));
    const text = await access(apiTokens[user].token);
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toMatch(new RegExp(`role: +${role}\\n`));
    expect(text.out).toContain(`gwat_${apiTokens[user].token.split("_")[1]}`);
  });
});

describe("--json", () => {
  it("has a stable shape and prints the same document twice (nothing recorded in between)", async () => {
    const first = await access(tokens.mixed.token, "--json");
    const second = await access(tokens.mixed.token, "--json");
    expect(second.out).toBe(first.out);
    const r = JSON.parse(first.out) as AccessReport;
    expect(Object.keys(r).sort()).toEqual(["credential", "mutations", "role", "session", "tables"]);
    expect(Object.keys(r.credential).sort()).toEqual(
      ["expires", "id", "kind", "lastUsedAt", "name", "owner", "prefix", "preset", "principal", "scope", "staleProjects", "status"],
    );
    for (const table of r.tables) {
      expect(Object.keys(table).sort()).toEqual(["columns", "oplogs", "projects", "rows", "table"]);
      expect(typeof table.rows).toBe("number");
    }
    expect(r.mutations.map((m) => Object.keys(m).sort())).toEqual([
      ["action", "columns", "condition", "table"],
      ["action", "columns", "condition", "rows", "table"],
      ["action", "condition", "rows", "table"],
    ]);
    expect(Object.values(r.session ?? {}).every((v) => typeof v === "string")).toBe(true);
    expect(r.credential.prefix).toBe(`gwst_${tokens.mixed.token.split("_")[1]}`);
  });

  it("checked every run above for the secrets (the public prefix is all that is printed)", () => {
    expect(runs).toBeGreaterThan(40);
    expect(secrets).toHaveLength(Object.keys(tokens).length + 2);
  });
});

// Last: these make the real checks happen, which change the rows the tests above rely on.
describe("a report changes nothing; a real check of the same token would", () => {
  const permissionRows = async (tokenId: string) =>
    (await sql<{ id: string }>`SELECT resource_id::text AS id FROM api_servicetokenpermission WHERE token_id = ${tokenId}::bigint ORDER BY resource_id`.execute(testDb.db)).rows.map((r) => r.id);
  const tokenRow = async (tokenId: string) =>
    (await sql<{ revoked: boolean; used: Date | null }>`SELECT revoked, last_used_at AS used FROM api_servicetoken WHERE id = ${tokenId}::bigint`.execute(testDb.db)).rows[0];

  it("--token-id shows a lost project as a stale grant and leaves it; the webhook's check prunes it", async () => {
    const id = tokens.lostProject.id;
    expect(await permissionRows(id)).toEqual(ids("alpha", "charlie"));
    const r = await report("--token-id", id);
    expect(r.credential.staleProjects).toEqual(ids("charlie"));
    expect(r.tables.find((t) => t.table === "public.api_service_token_project_access")).toMatchObject({ rows: 1, projects: ids("alpha") });
    expect(await permissionRows(id)).toEqual(ids("alpha", "charlie"));
    expect(await tokenRow(id)).toEqual({ revoked: false, used: null });

    // The same checks outside a report's rolled-back transaction: Ghostwriter prunes the grant.
    expect((await sessionForServiceTokenId(testDb.db, id)).ok).toBe(true);
    expect(await permissionRows(id)).toEqual(ids("alpha"));
    const after = await report("--token-id", id);
    expect(after.credential).toMatchObject({ staleProjects: [], scope: `Project #${world.projects.alpha.id} (Read-Only)` });
  });

  it("--token-id on an inactive creator's token revokes nothing; the webhook's check revokes it", async () => {
    const id = tokens.inactiveCreator.id;
    const r = await access("--token-id", id);
    expect(r.code).toBe(EXIT.conflict);
    expect(r.out).toMatch(/status: +rejected \(creator_inactive\)/);
    expect(await tokenRow(id)).toEqual({ revoked: false, used: null });

    expect(await sessionForServiceTokenId(testDb.db, id)).toEqual({ ok: false, reason: "creator_inactive" });
    expect((await tokenRow(id))?.revoked).toBe(true);
    expect((await access("--token-id", id)).out).toMatch(/status: +revoked/);
  });

  it("by token, answers exactly what GET /auth answers", async () => {
    const r = await report(tokens.oplogRw.token);
    expect(await tokenRow(tokens.oplogRw.id)).toEqual({ revoked: false, used: null });
    const sidecar = await startTestSidecar(testDb.handle, { ...RICH_ENV, AUTH_CACHE_MAX_AGE_SECONDS: "60" });
    try {
      const res = await request(sidecar.app).get("/auth").set("Authorization", `Bearer ${tokens.oplogRw.token}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(r.session);
    } finally {
      await sidecar.stop();
    }
  });
});
