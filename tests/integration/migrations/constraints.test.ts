// The database-level rules of the credential tables, checked on both kinds of table: the ones the
// sidecar's 0001 creates, and Ghostwriter's own (the Django-shaped fixture, after `migrate up`).
// Every rejected row must fail with the same named constraint on both, and every valid row must
// pass on both: the sidecar's tables reject exactly what Ghostwriter's reject.

import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { migrateUp } from "../../../migrations/runner";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import { insertApiKeyRow, insertServiceTokenRow, insertSessionRow, insertUser } from "../../support/seed";
import { createGhostwriterDatabase } from "./ghostwriter";

type Db = TestDatabase["db"];

interface PermissionCase {
  readonly label: string;
  readonly type: string;
  readonly id: number | null;
  readonly action: string;
  /** jsonb literal, as text (so spacing and non-object values can be tried). */
  readonly constraints: string;
  /** The constraint that must reject the row; null: the row is valid. */
  readonly rejectedBy: string | null;
}

const ALL = '{"scope": "all_accessible_projects"}';

const PERMISSION_CASES: PermissionCase[] = [
  // valid grants (Ghostwriter 7.0.0's whole vocabulary)
  ...["read", "create", "update", "delete"].map((action) => ({ label: `oplog ${action} on one oplog`, type: "oplog", id: 12, action, constraints: "{}", rejectedBy: null })),
  { label: "project read on one project", type: "project", id: 12, action: "read", constraints: "{}", rejectedBy: null },
  { label: "project read on id 0", type: "project", id: 0, action: "read", constraints: "{}", rejectedBy: null },
  { label: "oplog read on the largest integer id", type: "oplog", id: 2147483647, action: "read", constraints: "{}", rejectedBy: null },
  { label: "project read on all accessible projects", type: "project", id: null, action: "read", constraints: ALL, rejectedBy: null },
  { label: "all accessible projects, written without spaces", type: "project", id: null, action: "read", constraints: '{"scope":"all_accessible_projects"}', rejectedBy: null },
  // PositiveIntegerField
  { label: "a negative oplog id", type: "oplog", id: -1, action: "read", constraints: "{}", rejectedBy: "api_servicetokenpermission_resource_id_check" },
  { label: "a negative project id", type: "project", id: -5, action: "read", constraints: "{}", rejectedBy: "api_servicetokenpermission_resource_id_check" },
  // resource/action vocabulary
  { label: "project create (no write grants on projects)", type: "project", id: 12, action: "create", constraints: "{}", rejectedBy: "api_stp_allowed_resource_action" },
  { label: "project delete", type: "project", id: 12, action: "delete", constraints: "{}", rejectedBy: "api_stp_allowed_resource_action" },
  { label: "client read (added only in 7.2.1)", type: "client", id: 12, action: "read", constraints: "{}", rejectedBy: "api_stp_allowed_resource_action" },
  { label: "an unknown oplog action", type: "oplog", id: 12, action: "write", constraints: "{}", rejectedBy: "api_stp_allowed_resource_action" },
  { label: "a resource type in another case", type: "Oplog", id: 12, action: "read", constraints: "{}", rejectedBy: "api_stp_allowed_resource_action" },
  { label: "an empty action", type: "oplog", id: 12, action: "", constraints: "{}", rejectedBy: "api_stp_allowed_resource_action" },
  // scope shape
  { label: "an oplog grant without an id", type: "oplog", id: null, action: "read", constraints: "{}", rejectedBy: "api_stp_allowed_scope_shape" },
  { label: "a project grant without an id or scope", type: "project", id: null, action: "read", constraints: "{}", rejectedBy: "api_stp_allowed_scope_shape" },
  { label: "a concrete project grant with the scope", type: "project", id: 12, action: "read", constraints: ALL, rejectedBy: "api_stp_allowed_scope_shape" },
  { label: "the scope on an oplog grant", type: "oplog", id: null, action: "read", constraints: ALL, rejectedBy: "api_stp_allowed_scope_shape" },
  { label: "an unknown scope value", type: "project", id: null, action: "read", constraints: '{"scope": "all_projects"}', rejectedBy: "api_stp_allowed_scope_shape" },
  { label: "the scope with an extra key", type: "project", id: null, action: "read", constraints: '{"scope": "all_accessible_projects", "x": 1}', rejectedBy: "api_stp_allowed_scope_shape" },
  { label: "constraints that are not an object", type: "oplog", id: 12, action: "read", constraints: "[]", rejectedBy: "api_stp_allowed_scope_shape" },
  { label: "a concrete grant with any constraint", type: "oplog", id: 12, action: "read", constraints: '{"scope": null}', rejectedBy: "api_stp_allowed_scope_shape" },
];

async function insertPermission(db: Db, tokenId: string, p: { type: string; id: number | null; action: string; constraints: string }): Promise<void> {
  await sql`INSERT INTO api_servicetokenpermission (resource_type, resource_id, action, constraints, token_id)
    VALUES (${p.type}, ${p.id}, ${p.action}, ${p.constraints}::jsonb, ${tokenId}::bigint)`.execute(db);
}

/** The SQLSTATE and constraint name a failed statement reports (both drivers expose them). */
async function violation(statement: Promise<unknown>): Promise<{ code: string; constraint: string } | null> {
  try {
    await statement;
    return null;
  } catch (error) {
    const { code, constraint } = error as { code?: string; constraint?: string };
    return { code: String(code), constraint: String(constraint) };
  }
}

const setups: Array<[string, () => Promise<TestDatabase>]> = [
  ["the tables the sidecar created", () => createTestDatabase("migrated")],
  [
    "Ghostwriter's own tables, after migrate up",
    async () => {
      const testDb = await createGhostwriterDatabase();
      await migrateUp(testDb.db);
      return testDb;
    },
  ],
];

describe.each(setups)("constraints of %s", (_label, setup) => {
  let testDb: TestDatabase;
  let creatorId: string;
  const newToken = async () => (await insertServiceTokenRow(testDb.db, { creatorId })).tokenId;

  beforeAll(async () => {
    testDb = await setup();
    creatorId = (await insertUser(testDb.db)).id;
  });

  afterAll(async () => {
    await testDb?.close();
  });

  it.each(PERMISSION_CASES.map((c) => ({ ...c, verdict: c.rejectedBy ?? "accepted" })))("api_servicetokenpermission: $label → $verdict", async (row) => {
    const tokenId = await newToken();
    const outcome = await violation(insertPermission(testDb.db, tokenId, row));
    expect(outcome).toEqual(row.rejectedBy === null ? null : { code: "23514", constraint: row.rejectedBy });
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM api_servicetokenpermission WHERE token_id = ${tokenId}::bigint`.execute(testDb.db);
    expect(rows[0]?.n).toBe(row.rejectedBy === null ? "1" : "0");
  });

  it("api_stp_unique_concrete_permission: one row per token, resource and action", async () => {
    const [tokenId, otherToken] = [await newToken(), await newToken()];
    await insertPermission(testDb.db, tokenId, { type: "oplog", id: 7, action: "read", constraints: "{}" });
    expect(await violation(insertPermission(testDb.db, tokenId, { type: "oplog", id: 7, action: "read", constraints: "{}" }))).toEqual({
      code: "23505",
      constraint: "api_stp_unique_concrete_permission",
    });
    // Another action, resource type or token is another grant.
    await insertPermission(testDb.db, tokenId, { type: "oplog", id: 7, action: "create", constraints: "{}" });
    await insertPermission(testDb.db, tokenId, { type: "project", id: 7, action: "read", constraints: "{}" });
    await insertPermission(testDb.db, tokenId, { type: "oplog", id: 8, action: "read", constraints: "{}" });
    await insertPermission(testDb.db, otherToken, { type: "oplog", id: 7, action: "read", constraints: "{}" });
  });

  it("api_stp_unique_dynamic_permission: one all-accessible grant per token", async () => {
    const [tokenId, otherToken] = [await newToken(), await newToken()];
    await insertPermission(testDb.db, tokenId, { type: "project", id: null, action: "read", constraints: ALL });
    expect(await violation(insertPermission(testDb.db, tokenId, { type: "project", id: null, action: "read", constraints: '{"scope":"all_accessible_projects"}' }))).toEqual({
      code: "23505",
      constraint: "api_stp_unique_dynamic_permission",
    });
    // The database does not forbid a concrete grant beside the dynamic one (Ghostwriter's form does).
    await insertPermission(testDb.db, tokenId, { type: "project", id: 7, action: "read", constraints: "{}" });
    await insertPermission(testDb.db, otherToken, { type: "project", id: null, action: "read", constraints: ALL });
  });

  it("token prefixes are unique: api_servicetoken_token_prefix_key, api_apikey_token_prefix_key", async () => {
    const { prefix } = await insertServiceTokenRow(testDb.db, { creatorId });
    expect(await violation(insertServiceTokenRow(testDb.db, { creatorId, prefix }))).toEqual({ code: "23505", constraint: "api_servicetoken_token_prefix_key" });

    const key = await insertApiKeyRow(testDb.db, { userId: creatorId });
    expect(await violation(insertApiKeyRow(testDb.db, { userId: creatorId, prefix: key.prefix }))).toEqual({ code: "23505", constraint: "api_apikey_token_prefix_key" });
    // Keys minted before 7.0 have no prefix; any number of them may coexist.
    await insertApiKeyRow(testDb.db, { userId: creatorId, prefix: null, secretHash: null });
    await insertApiKeyRow(testDb.db, { userId: creatorId, prefix: null, secretHash: null });
    // A service token and an API key may share a prefix: they are told apart by gwst_/gwat_.
    await insertApiKeyRow(testDb.db, { userId: creatorId, prefix });
  });

  it("identifiers are unique: api_apikey_identifier_6e4e2f82_uniq, api_usersession_identifier_key", async () => {
    const key = await insertApiKeyRow(testDb.db, { userId: creatorId });
    const duplicateKey = sql`INSERT INTO api_apikey (name, token, created, revoked, user_id, identifier)
      VALUES ('copy', '', now(), false, ${creatorId}::bigint, ${key.identifier}::uuid)`.execute(testDb.db);
    expect(await violation(duplicateKey)).toEqual({ code: "23505", constraint: "api_apikey_identifier_6e4e2f82_uniq" });

    const identifier = randomUUID();
    await insertSessionRow(testDb.db, { userId: creatorId, identifier });
    expect(await violation(insertSessionRow(testDb.db, { userId: creatorId, identifier }))).toEqual({ code: "23505", constraint: "api_usersession_identifier_key" });
  });
});
