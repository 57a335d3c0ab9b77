// The collab role (Ghostwriter §6, in the 7.0.2 form the policy adopted): a collab JWT pinned to one
// report or reported finding sees severities, finding types, and the evidence of what it is pinned
// to (for a finding link: the finding's evidence and its report's own evidence, since the JWT
// carries the report id too) — only while the user may read that report's project, privileged
// users (admin/manager role, is_staff, is_superuser) included — and nothing on any other table.

import { allowedIds, allowedRows, type RoleView } from "../../../evaluator/evaluate";
import { collabJwt } from "../../contract/world";
import { RICH_JWT_SECRET, seedRichWorld, type ProjectKey, type RichWorld, type UserKey } from "../../support/rich-seed";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import type { SourceModel } from "../../../evaluator/model";
import { sql } from "kysely";
import { loadModel, tablesWithPermission, trackedTables, webhookSession, variablesOf, serviceView } from "./harness";
import { COLLAB_EXPECTATIONS, expectedCollabIds } from "./expectations";

const TRACKED = trackedTables();
const COLLAB_TABLES = tablesWithPermission("collab", "select");

interface Pin {
  readonly name: string;
  readonly user: UserKey;
  readonly project: ProjectKey;
  /** report 0/1, or a finding link 0..2 (f1, f2 of report 1; f3 of report 2). */
  readonly report?: 0 | 1;
  readonly finding?: 0 | 1 | 2;
  /** Whether the user may read the project (so the pinned evidence shows). */
  readonly sees: boolean;
}

const PINS: readonly Pin[] = [
  { name: "assigned user, pinned to a report", user: "alice", project: "alpha", report: 0, sees: true },
  { name: "assigned user, pinned to a finding", user: "alice", project: "alpha", finding: 0, sees: true },
  { name: "assigned user, pinned to a finding of another report", user: "alice", project: "alpha", finding: 2, sees: true },
  { name: "project invitee, pinned to a report", user: "projectInvitee", project: "alpha", report: 1, sees: true },
  { name: "client invitee, pinned to a report of the client's other project", user: "clientInvitee", project: "bravo", report: 0, sees: true },
  { name: "client invitee (dave), pinned to a finding", user: "dave", project: "charlie", finding: 0, sees: true },
  { name: "manager (privileged, not a member), pinned to a report", user: "mia", project: "charlie", report: 0, sees: true },
  { name: "admin (privileged), pinned to a report", user: "admin", project: "bravo", report: 0, sees: true },
  { name: "staff user (privileged), pinned to a report", user: "staff", project: "delta", report: 0, sees: true },
  { name: "superuser (privileged), pinned to a finding", user: "root", project: "echo", finding: 0, sees: true },
  { name: "user without any access, pinned to a report", user: "outsider", project: "alpha", report: 0, sees: false },
  { name: "member of other projects, pinned to a report outside them", user: "alice", project: "delta", report: 0, sees: false },
  { name: "member of other projects, pinned to a finding outside them", user: "alice", project: "echo", finding: 0, sees: false },
  { name: "user who lost the project, pinned to its report", user: "lena", project: "charlie", report: 0, sees: false },
];

let testDb: TestDatabase;
let world: RichWorld;
let model: SourceModel;

beforeAll(async () => {
  testDb = await createTestDatabase("migrated");
  world = await seedRichWorld(testDb.db);
  // lena loses charlie, as in the token worlds.
  await sql`DELETE FROM rolodex_projectassignment WHERE operator_id = ${world.users.lena}::bigint AND project_id = ${world.projects.charlie.id}::bigint`.execute(testDb.db);
  await sql`ANALYZE`.execute(testDb.db);
  model = await loadModel(testDb.db);
}, 180_000);

afterAll(async () => {
  await testDb?.close();
});

function claimsOf(pin: Pin) {
  const project = world.projects[pin.project];
  if (pin.report !== undefined) {
    const id = Number(project.reports[pin.report]);
    return { gw_collab_model: "report", gw_collab_object_id: id, gw_collab_report_id: id, gw_collab_finding_id: -1 };
  }
  const findingIndex = pin.finding ?? 0;
  const id = Number(project.findings[findingIndex]);
  const reportId = Number(project.reports[findingIndex === 2 ? 1 : 0]);
  return { gw_collab_model: "report_finding_link", gw_collab_object_id: id, gw_collab_report_id: reportId, gw_collab_finding_id: id };
}

it("gives the collab role select on exactly the three Ghostwriter tables, and no mutations", () => {
  expect(COLLAB_TABLES).toEqual(Object.keys(COLLAB_EXPECTATIONS).sort());
  expect(COLLAB_TABLES).toEqual(["public.reporting_evidence", "public.reporting_findingtype", "public.reporting_severity"]);
  for (const action of ["insert", "update", "delete"] as const) expect(tablesWithPermission("collab", action)).toEqual([]);
});

describe.each(PINS.map((pin) => [pin.name, pin] as const))("collab JWT: %s", (_name, pin) => {
  let view: RoleView;
  const claims = () => claimsOf(pin);

  beforeAll(async () => {
    const jwt = await collabJwt(claims(), { sub: world.users[pin.user], secret: RICH_JWT_SECRET });
    view = serviceView(testDb.db, model, variablesOf(await webhookSession(testDb.db, jwt)));
  });

  it("is answered as the collab role with the pinned ids", () => {
    const c = claims();
    expect(view.session).toMatchObject({
      "X-Hasura-Role": "collab",
      "X-Hasura-User-Id": world.users[pin.user],
      "X-Hasura-Collab-Model": c.gw_collab_model,
      "X-Hasura-Collab-Object-Id": String(c.gw_collab_object_id),
      "X-Hasura-Collab-Report-Id": String(c.gw_collab_report_id),
      "X-Hasura-Collab-Finding-Id": String(c.gw_collab_finding_id),
    });
  });

  it.each(TRACKED)("%s: exactly the rows Ghostwriter's collab rule gives it", async (table) => {
    const actual = await allowedIds(view, table, "select");
    if (!(table in COLLAB_EXPECTATIONS)) {
      expect(actual).toBeUndefined();
      return;
    }
    const c = claims();
    const expected = await expectedCollabIds(testDb.db, table, { userId: world.users[pin.user], reportId: String(c.gw_collab_report_id), findingId: String(c.gw_collab_finding_id) });
    expect([...(actual ?? [])].sort((a, b) => Number(a) - Number(b))).toEqual(expected);
  });

  it(pin.sees ? "sees the pinned object's evidence" : "sees no evidence at all", async () => {
    const evidence = (await allowedIds(view, "public.reporting_evidence", "select")) ?? [];
    const project = world.projects[pin.project];
    const pinned =
      pin.report !== undefined
        ? [pin.report === 0 ? project.evidence.report1 : project.evidence.report2]
        : pin.finding === 0
          ? [project.evidence.report1, project.evidence.finding1]
          : pin.finding === 2
            ? [project.evidence.report2, project.evidence.finding3]
            : [project.evidence.report1];
    expect([...evidence].sort((a, b) => Number(a) - Number(b))).toEqual(pin.sees ? [...pinned].sort((a, b) => Number(a) - Number(b)) : []);
  });
});

describe("collab columns (Ghostwriter §6)", () => {
  let view: RoleView;
  beforeAll(async () => {
    const c = claimsOf(PINS[0] as Pin);
    view = serviceView(testDb.db, model, variablesOf(await webhookSession(testDb.db, await collabJwt(c, { sub: world.users.alice, secret: RICH_JWT_SECRET }))));
  });

  it.each([
    ["public.reporting_severity", ["id", "severity"]],
    ["public.reporting_findingtype", ["finding_type", "id"]],
    ["public.reporting_evidence", ["caption", "description", "document", "finding_id", "friendly_name", "id", "report_id"]],
  ] as const)("%s shows only %j", async (table, columns) => {
    expect([...((await allowedRows(view, table, "select"))?.columns ?? [])].sort()).toEqual([...columns]);
  });
});

it("refuses a collab JWT of an inactive user", async () => {
  const c = { gw_collab_model: "report", gw_collab_object_id: Number(world.projects.alpha.reports[0]), gw_collab_report_id: Number(world.projects.alpha.reports[0]), gw_collab_finding_id: -1 };
  const outcome = await webhookSession(testDb.db, await collabJwt(c, { sub: world.users.former, secret: RICH_JWT_SECRET }));
  expect(outcome).toEqual({ ok: false, reason: "user_inactive" });
});
