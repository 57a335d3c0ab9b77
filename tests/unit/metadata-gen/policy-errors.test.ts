// Every problem a policy can have, each reported with the file, the line, the key path and what is
// wrong. The policies are small and run against the reference metadata (without a database).

import fs from "node:fs";
import path from "node:path";
import { formatProblem, PolicyError } from "../../../metadata-gen/errors";
import { plan } from "../../../metadata-gen/generate";
import { REPO, scratchDir } from "./support";

const GRANTS = `grant_variables:
      select: [X-Hasura-Read-Oplog-Id]
      insert: [X-Hasura-Create-OplogEntry-Oplog-Id]
      update: [X-Hasura-Update-OplogEntry-Oplog-Id]
      delete: [X-Hasura-Delete-OplogEntry-Oplog-Id]`;

function policy(serviceTables: string, extra = "", top = ""): string {
  return `version: 1
project: { table: rolodex_project }
membership:
  grants:
    - { via: project, table: rolodex_projectassignment, user: operator_id, project: project_id }
${top}roles:
  service:
    kind: service
    ${GRANTS}
    tables:
${serviceTables
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}
${extra}`;
}

let dir: string;
beforeAll(() => {
  dir = scratchDir();
});

async function problems(text: string): Promise<string[]> {
  const file = path.join(dir, "policy.yaml");
  fs.writeFileSync(file, text);
  try {
    await plan({ policyFile: file, metadataDir: path.join(REPO, "hasura", "metadata"), viewsFile: path.join(dir, "views.sql"), cwd: dir });
  } catch (error) {
    if (error instanceof PolicyError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

describe("policy validation", () => {
  it("accepts a small valid policy", async () => {
    expect(await problems(policy("rolodex_projectnote: { filter: P(*), columns: all }"))).toEqual([]);
  });

  it("reports a YAML syntax error with file and line", async () => {
    expect(await problems("version: 1\nroles: [\n")).toEqual([expect.stringMatching(/^policy\.yaml: line 3: invalid YAML: /)]);
  });

  it("reports a missing policy file", async () => {
    await expect(plan({ policyFile: path.join(dir, "nope.yaml"), metadataDir: path.join(REPO, "hasura", "metadata"), viewsFile: path.join(dir, "v.sql"), cwd: dir })).rejects.toThrow(
      "invalid policy: nope.yaml: the policy file does not exist",
    );
  });

  it("reports unknown keys, missing sections and wrong types at their key paths", async () => {
    const found = await problems("version: 2\nprojects: {}\nmembership: { users: [], grants: {} }\nroles: { service: { kind: robot, tables: {} } }\n");
    expect(found).toEqual([
      "policy.yaml: project: is required",
      "policy.yaml:1: version: unsupported version 2; this generator reads version 1",
      "policy.yaml:2: projects: unknown key (expected one of: version, source, anonymous_role, project, access, membership, sensitive_columns, relationship_targets, definitions, roles)",
      "policy.yaml:3: membership.users: must be a mapping, not a list",
      "policy.yaml:3: membership.grants: must be a list, not a mapping",
      "policy.yaml:4: roles.service.kind: must be service, user or anonymous, not \"robot\"",
    ]);
    expect(await problems("version: 1\nproject: { table: rolodex_project }\nmembership: {}\nroles: { service: { kind: service, tables: {} } }\n")).toEqual([
      "policy.yaml:3: membership: grants no user any project (no privileged roles or flags, no grants)",
    ]);
  });

  it("reports a table that is not tracked in the metadata", async () => {
    expect(await problems(policy("rolodex_nosuch: { filter: global, columns: all }"))).toEqual([
      `policy.yaml:15: roles.service.tables.rolodex_nosuch: table public.rolodex_nosuch is not tracked in ${path.join(REPO, "hasura/metadata/databases/default/tables/tables.yaml")}`,
    ]);
  });

  it("reports an unknown relationship, with the ones that exist", async () => {
    expect(await problems(policy("rolodex_projectnote: { filter: P(projcet), columns: all }"))).toEqual([
      'policy.yaml:15: roles.service.tables.rolodex_projectnote.filter: no relationship "projcet" on public.rolodex_projectnote (it has: project, user)',
    ]);
    expect(await problems(policy("rolodex_projectnote:\n  filter: { projcet: { complete: { _eq: true } } }\n  columns: all"))).toEqual([
      'policy.yaml:16: roles.service.tables.rolodex_projectnote.filter.projcet: no column or relationship "projcet" on public.rolodex_projectnote (relationships: project, user)',
    ]);
  });

  it("reports a path that does not reach the project, or cannot be found", async () => {
    expect(await problems(policy("rolodex_projectnote: { filter: P(user), columns: all }"))).toEqual([
      "policy.yaml:15: roles.service.tables.rolodex_projectnote.filter: the path user ends at public.users_user, not at the project table public.rolodex_project",
    ]);
    expect(await problems(policy("reporting_severity: { filter: P(*), columns: all }"))).toEqual([
      "policy.yaml:15: roles.service.tables.reporting_severity.filter: P(*) from public.reporting_severity: no path of object relationships reaches the project table",
    ]);
  });

  it("reports an unknown column where the columns are known (the generated view)", async () => {
    expect(await problems(policy("api_service_token_project_access:\n  filter: { token_id: { _eq: X-Hasura-Service-Token-Id } }\n  columns: [project_id, secret]"))).toEqual([
      'policy.yaml:17: roles.service.tables.api_service_token_project_access.columns: no column "secret" on public.api_service_token_project_access',
    ]);
  });

  it("refuses {except: [...]} without a database to list the columns", async () => {
    expect(await problems(policy("rolodex_projectnote: { filter: P(*), columns: { except: [note] } }"))).toEqual([
      "policy.yaml:15: roles.service.tables.rolodex_projectnote.columns: {except: [...]} needs every column of public.rolodex_projectnote, which only the database knows: set DATABASE_URL, or list the columns",
    ]);
  });

  it("refuses session variables in the anonymous role", async () => {
    const anonymous = "  public:\n    kind: anonymous\n    tables:\n      reporting_severity: { filter: { id: { _eq: X-Hasura-User-Id } }, columns: [id] }\n";
    expect(await problems(policy("reporting_severity: { filter: global, columns: all }", anonymous))).toEqual([
      "policy.yaml:19: roles.public.tables.reporting_severity.filter.id._eq: session variable X-Hasura-User-Id in a permission of the anonymous role public: anonymous requests carry no credential, so no session variable can identify anything",
    ]);
    const misnamed = "  public:\n    kind: user\n    tables:\n      reporting_severity: { filter: global, columns: [id] }\n";
    expect(await problems(policy("reporting_severity: { filter: global, columns: all }", misnamed))).toEqual([
      "policy.yaml:17: roles.public.kind: public is the anonymous role (anonymous_role), so its kind must be anonymous",
    ]);
  });

  it("refuses X-Hasura-User-Id, and variables the webhook does not send, in service permissions", async () => {
    expect(await problems(policy("rolodex_projectnote:\n  filter: { _or: [P(*), { operator_id: { _eq: X-Hasura-User-Id } }] }\n  columns: all"))).toEqual([
      "policy.yaml:16: roles.service.tables.rolodex_projectnote.filter: rows are neither scoped to the token (P(...), the token variable, or a grant variable, on every branch) nor declared global (filter: global)",
      "policy.yaml:16: roles.service.tables.rolodex_projectnote.filter._or[1].operator_id._eq: X-Hasura-User-Id in a service permission: service tokens are not users (the webhook sends no user id for them); scope by the token's grants instead",
    ]);
    expect(await problems(policy("oplog_oplog:\n  filter: { id: { _eq: X-Hasura-Service-Principal-Id } }\n  columns: [id]"))).toContainEqual(
      "policy.yaml:16: roles.service.tables.oplog_oplog.filter.id._eq: X-Hasura-Service-Principal-Id is not a variable of service tokens here: use the token variable X-Hasura-Service-Token-Id or one of the role's grant_variables",
    );
  });

  it("finds session variables behind $-operators and inside _cast, and refuses operators Hasura does not have", async () => {
    const anonymous = "  public:\n    kind: anonymous\n    tables:\n      reporting_severity: { filter: { severity: { _cast: { text: { _eq: X-Hasura-Role } } } }, columns: [id] }\n";
    expect(await problems(policy("reporting_severity: { filter: global, columns: all }", anonymous))).toEqual([
      "policy.yaml:19: roles.public.tables.reporting_severity.filter.severity._cast.text._eq: session variable X-Hasura-Role in a permission of the anonymous role public: anonymous requests carry no credential, so no session variable can identify anything",
    ]);
    const dollar = await problems(policy("rolodex_projectnote:\n  filter: { _and: [P(*), { operator_id: { $eq: X-Hasura-User-Id } }] }\n  columns: all"));
    expect(dollar).toEqual([
      "policy.yaml:16: roles.service.tables.rolodex_projectnote.filter._and[1].operator_id.$eq: X-Hasura-User-Id in a service permission: service tokens are not users (the webhook sends no user id for them); scope by the token's grants instead",
    ]);
    const cast = await problems(policy("rolodex_projectnote:\n  filter: { _and: [P(*), { note: { _cast: { text: { _eq: X-Hasura-User-Id } } } }] }\n  columns: all"));
    expect(cast).toEqual([
      "policy.yaml:16: roles.service.tables.rolodex_projectnote.filter._and[1].note._cast.text._eq: X-Hasura-User-Id in a service permission: service tokens are not users (the webhook sends no user id for them); scope by the token's grants instead",
    ]);
    expect(await problems(policy("rolodex_projectnote:\n  filter: { _and: [P(*), { operator_id: { eq: 1 } }] }\n  columns: all"))).toEqual([
      "policy.yaml:16: roles.service.tables.rolodex_projectnote.filter._and[1].operator_id.eq: unknown operator eq",
    ]);
  });

  it("refuses a service filter that is neither scoped nor declared global, on any branch", async () => {
    expect(await problems(policy("rolodex_projectnote:\n  filter: { _or: [P(project), { note: { _ilike: '%x%' } }] }\n  columns: all"))).toEqual([
      "policy.yaml:16: roles.service.tables.rolodex_projectnote.filter: rows are neither scoped to the token (P(...), the token variable, or a grant variable, on every branch) nor declared global (filter: global)",
    ]);
    expect(await problems(policy("reporting_reporttemplate:\n  filter: { _or: [{ _global: { client_id: { _is_null: true } } }, P(client.projects)] }\n  columns: all"))).toEqual([]);
    expect(await problems(policy("rolodex_projectnote:\n  filter: { _not: P(project) }\n  columns: all"))).toHaveLength(1);
  });

  it("refuses mutations that no grant variable of their own action guards", async () => {
    const rules = `oplog_oplogentry:
  filter: P(*)
  columns: all
  insert: { check: { _or: [{ oplog_id_id: { _eq: X-Hasura-Create-OplogEntry-Oplog-Id } }, { tool: { _eq: nmap } }] }, columns: [tool] }
  update: { filter: { oplog_id_id: { _eq: X-Hasura-Update-OplogEntry-Oplog-Id } }, check: global, columns: [tool] }
  delete: { filter: { oplog_id_id: { _eq: X-Hasura-Read-Oplog-Id } } }`;
    expect(await problems(policy(rules))).toEqual([
      "policy.yaml:18: roles.service.tables.oplog_oplogentry.insert.check: insert is not guarded by a grant variable on every branch (compare a column with X-Hasura-Create-OplogEntry-Oplog-Id using _eq or _in)",
      "policy.yaml:19: roles.service.tables.oplog_oplogentry.update.check: update is not guarded by a grant variable on every branch (compare a column with X-Hasura-Update-OplogEntry-Oplog-Id using _eq or _in)",
      "policy.yaml:20: roles.service.tables.oplog_oplogentry.delete.filter: delete is not guarded by a grant variable on every branch (compare a column with X-Hasura-Delete-OplogEntry-Oplog-Id using _eq or _in)",
    ]);
    const collab = "  collab:\n    kind: user\n    tables:\n      reporting_severity: { filter: global, columns: [id], delete: { filter: { id: { _eq: X-Hasura-User-Id } } } }\n";
    expect(await problems(policy("reporting_severity: { filter: global, columns: all }", collab))).toEqual([
      "policy.yaml:19: roles.collab.tables.reporting_severity.delete.filter: delete is not guarded by a grant variable on every branch (role collab declares no grant_variables.delete)",
    ]);
  });

  it("refuses sensitive columns, by default list and by the policy's own additions", async () => {
    expect(await problems(policy("rolodex_project: { filter: P(), columns: [id, bloodhound_api_key_token] }\nusers_user: { filter: global, columns: all, root_fields: [] }"))).toEqual([
      "policy.yaml:15: roles.service.tables.rolodex_project.columns: exposes public.rolodex_project.bloodhound_api_key_token, a sensitive column (matches \"*_token\"); leave it out, or list it under sensitive_columns.allow if it really holds no secret",
      "policy.yaml:16: roles.service.tables.users_user.columns: all columns ('*') expose public.users_user.password, a sensitive column (matches \"password\"); leave it out, or list it under sensitive_columns.allow if it really holds no secret",
    ]);
    const added = "sensitive_columns: { add: ['rolodex_project.code*'] }\n";
    expect(await problems(policy("rolodex_project: { filter: P(), columns: [id, codename] }", "", added))).toEqual([
      "policy.yaml:16: roles.service.tables.rolodex_project.columns: exposes public.rolodex_project.codename, a sensitive column (matches \"rolodex_project.code*\"); leave it out, or list it under sensitive_columns.allow if it really holds no secret",
    ]);
    const allowed = "sensitive_columns: { allow: [rolodex_project.bloodhound_api_key_id] }\n";
    expect(await problems(policy("rolodex_project: { filter: P(), columns: [id, bloodhound_api_key_id] }", "", allowed))).toEqual([]);
  });

  it("refuses aggregations for the service role", async () => {
    expect(await problems(policy("reporting_severity: { filter: global, columns: all, allow_aggregations: true, root_fields: [select, select_aggregate] }"))).toEqual([
      "policy.yaml:15: roles.service.tables.reporting_severity.allow_aggregations: the service role never gets aggregations: a token reads the rows it is scoped to, not statistics over them",
      "policy.yaml:15: roles.service.tables.reporting_severity.root_fields: select_aggregate is an aggregation, which the service role never gets",
    ]);
  });

  it("refuses P(...) in roles without a service token", async () => {
    const collab = "  collab:\n    kind: user\n    tables:\n      rolodex_projectnote: { filter: P(project), columns: all }\n";
    expect(await problems(policy("reporting_severity: { filter: global, columns: all }", collab))).toEqual([
      "policy.yaml:19: roles.collab.tables.rolodex_projectnote.filter: P(...) scopes rows by the service token; role collab is of kind user, which has no token",
    ]);
  });

  it("requires a rule for every tracked table under cover_all_tables", async () => {
    const text = policy("reporting_severity: { filter: global, columns: all }").replace("kind: service", "kind: service\n    cover_all_tables: true");
    const found = await problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^policy\.yaml:\d+: roles\.service\.tables: cover_all_tables: no rule for public\.api_service_token_project_access, public\.django_q_task, .* and \d+ more \(give each a filter, or write `none`\)$/);
  });

  it("checks relationship targets declared in the policy against the metadata", async () => {
    const top = "relationship_targets:\n  oplog_oplogentry.log: reporting_report\n  oplog_oplogentry.nosuch: oplog_oplog\n";
    expect(await problems(policy("reporting_severity: { filter: global, columns: all }", "", top))).toEqual([
      "policy.yaml:7: relationship_targets[\"oplog_oplogentry.log\"]: the metadata says public.oplog_oplogentry.log points to public.oplog_oplog, not public.reporting_report",
      "policy.yaml:8: relationship_targets[\"oplog_oplogentry.nosuch\"]: no relationship nosuch on public.oplog_oplogentry in the metadata",
    ]);
  });

  it("needs a declared target to walk a relationship the metadata cannot resolve", async () => {
    expect(await problems(policy("oplog_oplogentryrecording: { filter: { oplogEntry: P(log.project) }, columns: all }"))).toEqual([
      'policy.yaml:15: roles.service.tables.oplog_oplogentryrecording.filter.oplogEntry: relationship oplogEntry of public.oplog_oplogentryrecording follows a foreign key of public.oplog_oplogentryrecording and the metadata does not say which table it reaches; declare it under relationship_targets as "public.oplog_oplogentryrecording.oplogEntry: <table>"',
    ]);
  });

  it("refuses names PostgreSQL would truncate and view names that are not file names", async () => {
    const long = "x".repeat(64);
    const top = `access: { view: "public.evil/name" }\n`;
    const found = await problems(policy("reporting_severity: { filter: global, columns: all }", "", top).replace("user: operator_id", `user: ${long}`));
    expect(found).toContain(`policy.yaml:5: membership.grants[0].user: "${long}" is longer than PostgreSQL's 63-byte identifier limit`);
    expect(found).toContain("policy.yaml:6: access.view: the view's name becomes a file name: it cannot contain / or \\ or start with a dot");
  });

  it("explains a P(a, b) path that YAML split at its comma inside [...] or {...}", async () => {
    const hint = "a P(...) path was split at a comma: inside [...] or {...} write it with dots, P(a.b), or quote it";
    expect(await problems(policy("rolodex_clientnote: { filter: { _or: [P(client, projects)] }, columns: all }"))).toEqual([
      `policy.yaml:15: roles.service.tables.rolodex_clientnote.filter._or[0]: ${hint}`,
      `policy.yaml:15: roles.service.tables.rolodex_clientnote.filter._or[1]: ${hint}`,
    ]);
    expect(await problems(policy("rolodex_clientnote: { filter: { _or: ['P(client, projects)', P(client.projects)] }, columns: all }"))).toEqual([]);
  });

  it("reports column and table rules that make no sense together", async () => {
    expect(await problems(policy("reporting_severity: { columns: all }\nreporting_doctype: { filter: global, columns: [id, id] }\nreporting_findingtype: { filter: global, columns: nope, limit: 0 }"))).toEqual([
      "policy.yaml:15: roles.service.tables.reporting_severity.columns: belongs to a select permission, which needs a filter (use `filter: global` for every row)",
      "policy.yaml:15: roles.service.tables.reporting_severity: grants nothing: give a filter (select) or a mutation, or write `none`",
      "policy.yaml:16: roles.service.tables.reporting_doctype.columns[1]: column id is listed twice",
      "policy.yaml:17: roles.service.tables.reporting_findingtype.columns: must be all, a list of columns, or {except: [...]}, not string \"nope\"",
      "policy.yaml:17: roles.service.tables.reporting_findingtype.limit: must be a whole number of at least 1, not number 0",
    ]);
  });
});
