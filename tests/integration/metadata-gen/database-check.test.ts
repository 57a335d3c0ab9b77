// With a database at hand the generator checks tables, columns and relationship targets against
// it (not only against the metadata), and resolves {except: [...]} column lists; a database
// without the app's tables (a fresh CI database) is noted and ignored.

import fs from "node:fs";
import path from "node:path";
import { formatProblem, PolicyError } from "../../../metadata-gen/errors";
import { plan } from "../../../metadata-gen/generate";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import { REPO, runCli, scratchDir } from "../../unit/metadata-gen/support";

const METADATA = path.join(REPO, "hasura", "metadata");

let migrated: TestDatabase;
let dir: string;

beforeAll(async () => {
  migrated = await createTestDatabase("migrated");
  dir = scratchDir();
});

afterAll(async () => {
  await migrated?.close();
});

function policy(tables: string, top = ""): string {
  return `version: 1
project: { table: rolodex_project }
membership:
  users: { table: users_user, id: id, active: is_active }
  grants:
    - { via: project, table: rolodex_projectassignment, user: operator_id, project: project_id }
${top}roles:
  service:
    kind: service
    grant_variables: { select: [X-Hasura-Read-Oplog-Id] }
    tables:
${tables
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}
`;
}

async function attempt(text: string, withDatabase: boolean): Promise<{ problems: string[]; notes: readonly string[]; files: number }> {
  const file = path.join(dir, "policy.yaml");
  fs.writeFileSync(file, text);
  try {
    const result = await plan({ policyFile: file, metadataDir: METADATA, viewsFile: path.join(dir, "views.sql"), cwd: dir, db: withDatabase ? (migrated.db as never) : undefined });
    return { problems: [], notes: result.notes, files: result.files.length };
  } catch (error) {
    if (error instanceof PolicyError) return { problems: error.problems.map(formatProblem), notes: [], files: 0 };
    throw error;
  }
}

describe("checking the policy against the database", () => {
  it("verifies every name of the reference policy, and finds the committed files current", async () => {
    const result = await runCli(["metadata", "check"], REPO, { database: migrated.handle });
    expect(result).toMatchObject({ code: 0, out: "metadata and access views match the policy\n", err: "" });
  });

  it("catches a column the metadata alone cannot rule out", async () => {
    const text = policy("rolodex_projectnote: { filter: P(*), columns: [id, nope] }\noplog_oplog: { filter: { nam: { _eq: X-Hasura-Read-Oplog-Id } }, columns: [id] }");
    expect((await attempt(text, false)).problems).toEqual([]);
    expect((await attempt(text, true)).problems).toEqual([
      'policy.yaml:12: roles.service.tables.rolodex_projectnote.columns: no column "nope" on public.rolodex_projectnote',
      'policy.yaml:13: roles.service.tables.oplog_oplog.filter.nam: no column or relationship "nam" on public.oplog_oplog (relationships: entries, project)',
    ]);
  });

  it("catches membership columns that do not exist", async () => {
    const text = policy("reporting_severity: { filter: global, columns: all }").replace("active: is_active", "active: is_activ").replace("user: operator_id", "user: operator");
    expect((await attempt(text, false)).problems).toEqual([]);
    expect((await attempt(text, true)).problems).toEqual([
      'policy.yaml:4: membership.users: no column "is_activ" on public.users_user',
      'policy.yaml:6: membership.grants[0]: no column "operator" on public.rolodex_projectassignment',
    ]);
  });

  it("catches sensitive columns behind `all` that only the database lists", async () => {
    const text = policy("rolodex_projectnote: { filter: P(*), columns: all }", "sensitive_columns: { add: [note] }\n");
    expect((await attempt(text, false)).problems).toEqual([]);
    expect((await attempt(text, true)).problems).toEqual([
      "policy.yaml:13: roles.service.tables.rolodex_projectnote.columns: all columns ('*') expose public.rolodex_projectnote.note, a sensitive column (matches \"note\"); leave it out, or list it under sensitive_columns.allow if it really holds no secret",
    ]);
  });

  it("resolves {except: [...]} to the table's other columns, sorted", async () => {
    const text = policy("rolodex_project: { filter: P(), columns: { except: [bloodhound_api_key_id, bloodhound_api_key_token] } }");
    const file = path.join(dir, "policy.yaml");
    fs.writeFileSync(file, text);
    const result = await plan({ policyFile: file, metadataDir: METADATA, viewsFile: path.join(dir, "views.sql"), cwd: dir, db: migrated.db as never });
    // Other tables would lose their permissions under this small policy, but the project table's
    // file stays as committed: the resolved list is the 17 columns the reference policy lists by hand.
    expect(result.files.length).toBeGreaterThan(10);
    expect(result.files.find((f) => f.label.endsWith("public_rolodex_project.yaml"))).toBeUndefined();
    const leaking = policy("rolodex_project: { filter: P(), columns: { except: [bloodhound_api_key_id] } }");
    expect((await attempt(leaking, true)).problems).toEqual([
      "policy.yaml:12: roles.service.tables.rolodex_project.columns: exposes public.rolodex_project.bloodhound_api_key_token, a sensitive column (matches \"*_token\"); leave it out, or list it under sensitive_columns.allow if it really holds no secret",
    ]);
  });

  it("checks declared relationship targets against the foreign keys", async () => {
    const text = policy("oplog_oplogentryrecording: { filter: { oplogEntry: { id: { _eq: X-Hasura-Read-Oplog-Id } } }, columns: [id] }", "relationship_targets:\n  oplog_oplogentryrecording.oplogEntry: oplog_oplog\n");
    expect((await attempt(text, false)).problems).toEqual([]);
    expect((await attempt(text, true)).problems).toEqual([
      'policy.yaml:8: relationship_targets["oplog_oplogentryrecording.oplogEntry"]: relationship public.oplog_oplogentryrecording.oplogEntry reaches public.oplog_oplogentry in the database, but the policy declares public.oplog_oplog',
    ]);
  });

  it("notes a database without the app's tables and checks against the metadata only", async () => {
    const empty = await createTestDatabase("empty");
    try {
      const result = await runCli(["metadata", "check"], REPO, { database: empty.handle });
      expect(result.code).toBe(0);
      expect(result.err).toContain("note: the database has none of the tracked tables: checked against the metadata only\n");
      const offline = await runCli(["metadata", "check", "--offline"], REPO, { database: empty.handle });
      expect(offline.err).toContain("note: no database (DATABASE_URL unset, or --offline)");
    } finally {
      await empty.close();
    }
  });
});
