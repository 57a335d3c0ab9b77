// The row-isolation tests can fail. Each case breaks one thing — a filter in a copy of the metadata
// directory (in a temporary folder), or an access view inside a transaction that is rolled back —
// runs the same comparison the row-isolation tests run, and asserts that exactly the broken tables
// are reported as mismatched. The committed metadata and the database are never touched; a control
// case shows the unbroken metadata gives no mismatch at all.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { sql } from "kysely";
import type { SourceModel } from "../../../evaluator/model";
import { allowedIds } from "../../../evaluator/evaluate";
import { collabJwt } from "../../contract/world";
import { RICH_JWT_SECRET, type TokenKey } from "../../support/rich-seed";
import {
  METADATA_ROOT,
  compareServiceTable,
  loadModel,
  mismatched,
  ruleGrant,
  serviceView,
  setUpRichDatabase,
  tablesWithPermission,
  variablesOf,
  webhookSession,
  type RichDatabase,
} from "./harness";
import { expectedCollabIds, type ServiceGrant } from "./expectations";

const SERVICE_TABLES = tablesWithPermission("service", "select");
const TABLES_DIR = path.join("databases", "default", "tables");

let rich: RichDatabase;
const temporaryDirs: string[] = [];

beforeAll(async () => {
  rich = await setUpRichDatabase();
}, 180_000);

afterAll(async () => {
  for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
  await rich?.testDb.close();
});

type Doc = Record<string, any>;

/** A copy of the metadata directory with one table file edited; returns the copy's root. */
function brokenMetadata(tableFile: string, edit: (doc: Doc) => void): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "row-isolation-metadata-"));
  temporaryDirs.push(root);
  fs.cpSync(METADATA_ROOT, root, { recursive: true });
  const file = path.join(root, TABLES_DIR, tableFile);
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as Doc;
  edit(doc);
  fs.writeFileSync(file, yaml.dump(doc));
  return root;
}

function permissionOf(doc: Doc, action: string, role: string): Doc {
  const entry = (doc[`${action}_permissions`] as Doc[]).find((p) => p.role === role);
  if (!entry) throw new Error(`no ${action} permission for ${role}`);
  return entry.permission as Doc;
}

/** The tables whose rows differ from the rules' expectation, for a token, under a model. */
async function mismatches(model: SourceModel, key: TokenKey, options: { db?: RichDatabase["testDb"]["db"]; session?: Record<string, string>; grant?: ServiceGrant } = {}): Promise<string[]> {
  const db = options.db ?? rich.testDb.db;
  const view = serviceView(db, model, options.session ?? variablesOf(rich.now[key]));
  const grant = options.grant ?? (await ruleGrant(rich, key));
  const found: string[] = [];
  for (const table of SERVICE_TABLES) if (mismatched(await compareServiceTable(view, table, grant))) found.push(table);
  return found;
}

it("control: the committed metadata gives no mismatch", async () => {
  expect(await mismatches(rich.model, "projectOne")).toEqual([]);
  expect(await mismatches(rich.model, "oplogRead")).toEqual([]);
});

it("detects a project-scoped filter opened to every row (a leak)", async () => {
  const root = brokenMetadata("public_rolodex_projectnote.yaml", (doc) => {
    permissionOf(doc, "select", "service").filter = {};
  });
  expect(await mismatches(await loadModel(rich.testDb.db, root), "projectOne")).toEqual(["public.rolodex_projectnote"]);
});

it("detects an evidence filter that lost its finding branch (an under-grant)", async () => {
  const root = brokenMetadata("public_reporting_evidence.yaml", (doc) => {
    const filter = permissionOf(doc, "select", "service").filter as Doc;
    filter._or = (filter._or as Doc[]).filter((branch) => !("finding" in branch));
  });
  expect(await mismatches(await loadModel(rich.testDb.db, root), "projectOne")).toEqual(["public.reporting_evidence"]);
});

it("detects oplog entries keyed on the wrong session variable", async () => {
  const root = brokenMetadata("public_oplog_oplogentry.yaml", (doc) => {
    const filter = permissionOf(doc, "select", "service").filter as Doc;
    filter._or[0] = { oplog_id_id: { _eq: "X-Hasura-Create-OplogEntry-Oplog-Id" } };
  });
  expect(await mismatches(await loadModel(rich.testDb.db, root), "oplogRead")).toEqual(["public.oplog_oplogentry"]);
});

it("detects a users_user filter that lost one relationship branch", async () => {
  const root = brokenMetadata("public_users_user.yaml", (doc) => {
    const filter = permissionOf(doc, "select", "service").filter as Doc;
    const branches = filter._and[1]._or as Doc[];
    filter._and[1]._or = branches.filter((branch) => !("reportedFindingNotes" in branch));
  });
  expect(await mismatches(await loadModel(rich.testDb.db, root), "projectOne")).toEqual(["public.users_user"]);
});

it("detects the collab evidence filter without the privileged-user branch (Ghostwriter 7.0.0's bug)", async () => {
  const root = brokenMetadata("public_reporting_evidence.yaml", (doc) => {
    const filter = permissionOf(doc, "select", "collab").filter as Doc;
    for (const branch of filter._and[0]._or as Doc[]) {
      const project = (branch.finding ? branch.finding.report.project : branch.report.project) as Doc;
      project._or = (project._or as Doc[]).filter((b) => !("_exists" in b));
    }
  });
  const report = Number(rich.world.projects.charlie.reports[0]);
  const jwt = await collabJwt({ gw_collab_model: "report", gw_collab_object_id: report, gw_collab_report_id: report, gw_collab_finding_id: -1 }, { sub: rich.world.users.mia, secret: RICH_JWT_SECRET });
  const session = variablesOf(await webhookSession(rich.testDb.db, jwt));
  const pin = { userId: rich.world.users.mia, reportId: String(report), findingId: "-1" };
  const expected = await expectedCollabIds(rich.testDb.db, "public.reporting_evidence", pin);
  expect(expected).toEqual([rich.world.projects.charlie.evidence.report1]);
  expect(await allowedIds(serviceView(rich.testDb.db, rich.model, session), "public.reporting_evidence", "select")).toEqual(expected);
  const broken = await loadModel(rich.testDb.db, root);
  expect(await allowedIds(serviceView(rich.testDb.db, broken, session), "public.reporting_evidence", "select")).toEqual([]);
});

class RolledBack extends Error {}

it("detects an access view that ignores expiry, revocation and the creator's access (inside a rolled-back transaction)", async () => {
  const staleExpired = variablesOf(rich.before.expired);
  let found: string[] = [];
  await rich.testDb.db
    .transaction()
    .execute(async (trx) => {
      await sql`
        CREATE OR REPLACE VIEW api_service_token_project_access (token_id, project_id) AS
        SELECT CAST(g.token_id AS bigint), CAST(g.resource_id AS bigint) FROM api_servicetokenpermission g
        WHERE g.resource_type = 'project' AND g.resource_id IS NOT NULL`.execute(trx);
      found = await mismatches(rich.model, "expired", { db: trx, session: staleExpired, grant: { projects: [], readOplog: "-1" } });
      throw new RolledBack();
    })
    .catch((error) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  expect(found).toContain("public.rolodex_project");
  expect(found).toContain("public.oplog_oplogentry");
  expect(found).toContain("public.users_user");
  expect(found).not.toContain("public.reporting_severity");
  // Rolled back: the real view still gives the expired token nothing.
  expect(await mismatches(rich.model, "expired", { session: staleExpired, grant: { projects: [], readOplog: "-1" } })).toEqual([]);
});
