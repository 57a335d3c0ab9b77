// Row isolation for every usable kind of service token: for each table the generated metadata
// lets the `service` role read, the rows the evaluator returns for the webhook's own answer are
// exactly the rows Ghostwriter's rules give that token (plain SQL over the seed, in
// expectations.ts): nothing of a project outside its current grant, the oplog tables per
// X-Hasura-Read-Oplog-Id, lookup and library tables in full, users as the policy links them.

import { LINK_KINDS, LIVE_TOKEN_KEYS, type LiveTokenKey } from "../../support/rich-seed";
import type { RoleView } from "../../../evaluator/evaluate";
import {
  compareServiceTable,
  ruleGrant,
  serviceView,
  setUpRichDatabase,
  tablesWithPermission,
  trackedTables,
  variablesOf,
  type RichDatabase,
} from "./harness";
import { SERVICE_EXPECTATIONS, SERVICE_FORBIDDEN, expectedServiceIds, sortIds, type ServiceGrant } from "./expectations";

const SERVICE_TABLES = tablesWithPermission("service", "select");
/** Tables whose service filter is `{}` in Ghostwriter's policy (every row, for every token). */
const GLOBAL_TABLES = new Set([
  "public.reporting_doctype", "public.reporting_findingtype", "public.reporting_severity", "public.rolodex_objectivepriority",
  "public.rolodex_objectivestatus", "public.rolodex_projectrole", "public.rolodex_projecttype", "public.shepherd_activitytype",
  "public.shepherd_domain", "public.shepherd_domainstatus", "public.shepherd_healthstatus", "public.shepherd_serverprovider",
  "public.shepherd_serverrole", "public.shepherd_serverstatus", "public.shepherd_staticserver", "public.shepherd_whoisstatus",
  "public.reporting_finding", "public.reporting_observation", "public.reporting_findingnote",
]);

/** The preset Ghostwriter's get_token_preset reports for each token. */
const PRESET: Record<LiveTokenKey, string> = {
  oplogRw: "oplog_rw", oplogRead: "custom", projectOne: "project_read", projectSeveral: "project_read",
  allMember: "project_read", allPrivileged: "project_read", mixed: "custom", lostProject: "project_read",
};

let rich: RichDatabase;

beforeAll(async () => {
  rich = await setUpRichDatabase();
}, 180_000);

afterAll(async () => {
  await rich?.testDb.close();
});

describe("coverage of the generated metadata", () => {
  it("has an expectation written for every table the service role may read", () => {
    expect(SERVICE_TABLES.filter((table) => !(table in SERVICE_EXPECTATIONS))).toEqual([]);
  });

  it("has no expectation for a table the service role may not read (no stale entries)", () => {
    expect(Object.keys(SERVICE_EXPECTATIONS).filter((table) => !SERVICE_TABLES.includes(table))).toEqual([]);
  });

  it("gives the service role nothing on the sensitive tables, and covers every other tracked table", () => {
    const tracked = trackedTables();
    for (const table of SERVICE_FORBIDDEN) {
      expect(tracked).toContain(table);
      expect(SERVICE_TABLES).not.toContain(table);
    }
    expect(tracked.filter((table) => !SERVICE_TABLES.includes(table) && !(SERVICE_FORBIDDEN as readonly string[]).includes(table))).toEqual([]);
  });

  it("seeds every project-scoped table so that a one-project grant sees some rows but not all", async () => {
    const alphaOnly: ServiceGrant = { projects: [rich.world.projects.alpha.id], readOplog: "-1" };
    const everything: ServiceGrant = { projects: Object.values(rich.world.projects).map((p) => p.id), readOplog: "-1" };
    const vacuous: string[] = [];
    for (const table of SERVICE_TABLES.filter((t) => !GLOBAL_TABLES.has(t) && t !== "public.api_service_token_project_access")) {
      const some = await expectedServiceIds(rich.testDb.db, table, alphaOnly);
      const all = await expectedServiceIds(rich.testDb.db, table, everything);
      if (some.length === 0 || some.length >= all.length) vacuous.push(`${table} (alpha ${some.length}, all projects ${all.length})`);
    }
    expect(vacuous).toEqual([]);
  });
});

describe.each(LIVE_TOKEN_KEYS.map((key) => [key] as const))("%s token", (key) => {
  let view: RoleView;
  let grant: ServiceGrant;

  beforeAll(async () => {
    view = serviceView(rich.testDb.db, rich.model, variablesOf(rich.now[key]));
    grant = await ruleGrant(rich, key);
  });

  it("is answered by the webhook as the service role with its own oplog variables and preset", () => {
    const plan = { read: grant.readOplog, write: key === "oplogRw" ? rich.world.oplogs.alphaLog1 : "-1" };
    expect(view.session).toMatchObject({
      "X-Hasura-Role": "service",
      "X-Hasura-Service-Token-Id": rich.tokens[key].id,
      "X-Hasura-Service-Principal-Id": rich.tokens[key].principalId,
      "X-Hasura-Principal-Type": "service",
      "X-Hasura-Service-Token-Preset": PRESET[key],
      "X-Hasura-Read-Oplog-Id": plan.read,
      "X-Hasura-Create-OplogEntry-Oplog-Id": plan.write,
      "X-Hasura-Update-OplogEntry-Oplog-Id": plan.write,
      "X-Hasura-Delete-OplogEntry-Oplog-Id": plan.write,
    });
    expect(view.session).not.toHaveProperty("X-Hasura-User-Id");
  });

  it.each(SERVICE_TABLES)("%s: exactly the rows Ghostwriter's rules give it", async (table) => {
    const { expected, actual } = await compareServiceTable(view, table, grant);
    expect(actual).toEqual(expected);
  });
});

describe("what the rules give each token (sanity of the expectations themselves)", () => {
  const ids = (keys: readonly ("alpha" | "bravo" | "charlie" | "delta" | "echo")[]) => keys.map((k) => rich.world.projects[k].id).sort((a, b) => Number(a) - Number(b));

  it.each([
    ["oplogRw", []],
    ["oplogRead", []],
    ["projectOne", ["alpha"]],
    ["projectSeveral", ["alpha", "charlie"]],
    ["allMember", ["charlie", "delta", "echo"]],
    ["allPrivileged", ["alpha", "bravo", "charlie", "delta", "echo"]],
    ["mixed", ["bravo"]],
    ["lostProject", ["alpha"]],
  ] as const)("%s reaches projects %j", async (key, projects) => {
    expect((await ruleGrant(rich, key)).projects).toEqual(ids(projects));
  });

  it("links exactly the intended users to a project: its members and one user per relationship branch", async () => {
    const alpha = rich.world.links.alpha;
    const branchUsers = LINK_KINDS.filter((kind) => kind !== "recordingUploader" && kind !== "inactiveNoteAuthor").map((kind) => alpha[kind]);
    const members = [rich.world.users.alice, rich.world.users.lena]; // assigned; `former` is assigned but inactive
    const expected = sortIds([...branchUsers, ...members]);
    expect(await expectedServiceIds(rich.testDb.db, "public.users_user", { projects: [rich.world.projects.alpha.id], readOplog: "-1" })).toEqual(expected);
  });
});
