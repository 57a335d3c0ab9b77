// The reference policy against the reference metadata: generating from the metadata as it was
// before the generator ran reproduces the committed files byte for byte, the permissions are
// Ghostwriter 7.0's service role (spec §5.2) and its 7.0.2 collab role, and the owned parts match
// a stored snapshot of parsed YAML (so any change to the output is seen in review).

import fs from "node:fs";
import path from "node:path";
import { plan } from "../../../metadata-gen/generate";
import { copyReference, OWNED_ROLES, P, parsedTables, permissionOf, readTree, REPO, runCli, stripGenerated, TABLES } from "./support";

const TOKEN = { token_id: { _eq: "X-Hasura-Service-Token-Id" } };

describe("the reference policy", () => {
  let generated: string;
  let tables: Record<string, unknown>;
  let stdout: string;

  beforeAll(async () => {
    generated = copyReference();
    stripGenerated(generated);
    const result = await runCli(["metadata", "generate"], generated);
    expect(result).toMatchObject({ code: 0 });
    stdout = result.out;
    tables = parsedTables(generated);
  });

  it("regenerates the committed metadata and views byte for byte from the ungenerated metadata", () => {
    expect(stdout).toContain("wrote 49 file(s)");
    const committed = { ...readTree(path.join(REPO, "hasura")), ...prefixed(readTree(path.join(REPO, "migrations", "repeatable")), "../migrations/repeatable/") };
    const fresh = { ...readTree(path.join(generated, "hasura")), ...prefixed(readTree(path.join(generated, "migrations", "repeatable")), "../migrations/repeatable/") };
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const file of Object.keys(committed)) expect({ file, text: fresh[file] }).toEqual({ file, text: committed[file] });
  });

  it("the committed repository is current (what CI's `metadata check` verifies)", async () => {
    const result = await runCli(["metadata", "check"], REPO);
    expect(result.out).toBe("metadata and access views match the policy\n");
    expect(result.code).toBe(0);
  });

  it("scopes the project itself and hides the BloodHound credentials", () => {
    const project = tables["public_rolodex_project.yaml"];
    const select = permissionOf(project, "select_permissions", "service") as { columns: string[]; filter: unknown };
    expect(select.filter).toEqual({ serviceTokenProjectAccesses: TOKEN });
    expect(select.columns).toHaveLength(17);
    expect(select.columns).not.toContain("bloodhound_api_key_id");
    expect(select.columns).not.toContain("bloodhound_api_key_token");
    const rel = (project as { array_relationships: Array<{ name: string }> }).array_relationships.find((r) => r.name === "serviceTokenProjectAccesses");
    expect(rel).toEqual({
      name: "serviceTokenProjectAccesses",
      using: { manual_configuration: { column_mapping: { id: "project_id" }, insertion_order: null, remote_table: { name: "api_service_token_project_access", schema: "public" } } },
    });
  });

  it("writes the access view's table file and includes it, sorted, in tables.yaml", () => {
    expect(tables["public_api_service_token_project_access.yaml"]).toEqual({
      table: { name: "api_service_token_project_access", schema: "public" },
      configuration: {
        column_config: { project_id: { custom_name: "projectId" }, token_id: { custom_name: "tokenId" } },
        custom_column_names: { project_id: "projectId", token_id: "tokenId" },
        custom_name: "serviceTokenProjectAccess",
        custom_root_fields: {},
      },
      object_relationships: [
        { name: "project", using: { manual_configuration: { column_mapping: { project_id: "id" }, insertion_order: null, remote_table: { name: "rolodex_project", schema: "public" } } } },
      ],
      select_permissions: [{ role: "service", permission: { columns: ["project_id", "token_id"], filter: TOKEN } }],
    });
    const includes = tables["tables.yaml"] as string[];
    expect(includes[0]).toBe("!include public_api_service_token_project_access.yaml");
    expect(includes).toEqual([...includes].sort());
    expect(includes).toHaveLength(50);
  });

  it("uses the relationship path of §5.2 for each project-scoped table", () => {
    const filters: Record<string, unknown> = {
      "public_rolodex_projectnote.yaml": P("project"),
      "public_rolodex_projectassignment.yaml": P("project"),
      "public_shepherd_domainserverconnection.yaml": P("project"),
      "public_rolodex_projectsubtask.yaml": P("objective", "project"),
      "public_rolodex_client.yaml": P("projects"),
      "public_rolodex_clientcontact.yaml": P("client", "projects"),
      "public_reporting_reportfindinglink.yaml": P("report", "project"),
      "public_reporting_localfindingnote.yaml": P("finding", "report", "project"),
      "public_reporting_evidence.yaml": { _or: [P("finding", "report", "project"), P("report", "project")] },
      "public_reporting_reporttemplate.yaml": { _or: [{ client_id: { _is_null: true } }, P("client", "projects")] },
      "public_oplog_oplog.yaml": { _or: [{ id: { _eq: "X-Hasura-Read-Oplog-Id" } }, P("project")] },
      "public_oplog_oplogentryrecording.yaml": { _or: [{ oplogEntry: { oplog_id_id: { _eq: "X-Hasura-Read-Oplog-Id" } } }, { oplogEntry: P("log", "project") }] },
      "public_oplog_oplogentryevidence.yaml": { _and: [{ evidence: { _or: [P("finding", "report", "project"), P("report", "project")] } }, { oplogEntry: P("log", "project") }] },
    };
    for (const [file, filter] of Object.entries(filters)) {
      expect({ file, filter: (permissionOf(tables[file], "select_permissions", "service") as { filter: unknown }).filter }).toEqual({ file, filter });
    }
  });

  it("gives oplog entries the only service mutations, each on its own grant variable", () => {
    const entry = tables["public_oplog_oplogentry.yaml"];
    const columns = ["command", "comments", "description", "dest_ip", "end_date", "entry_identifier", "extra_fields", "operator_name", "oplog_id_id", "output", "source_ip", "start_date", "tool", "user_context"];
    expect(permissionOf(entry, "insert_permissions", "service")).toEqual({ check: { oplog_id_id: { _eq: "X-Hasura-Create-OplogEntry-Oplog-Id" } }, columns });
    const update = { oplog_id_id: { _eq: "X-Hasura-Update-OplogEntry-Oplog-Id" } };
    expect(permissionOf(entry, "update_permissions", "service")).toEqual({ columns, filter: update, check: update });
    expect(permissionOf(entry, "delete_permissions", "service")).toEqual({ filter: { oplog_id_id: { _eq: "X-Hasura-Delete-OplogEntry-Oplog-Id" } } });
    expect(permissionOf(entry, "select_permissions", "service")).toEqual({ columns: "*", filter: { _or: [{ oplog_id_id: { _eq: "X-Hasura-Read-Oplog-Id" } }, P("log", "project")] } });
    for (const [file, doc] of Object.entries(tables)) {
      if (file === "public_oplog_oplogentry.yaml" || file === "tables.yaml") continue;
      for (const key of ["insert_permissions", "update_permissions", "delete_permissions"]) expect({ file, key, p: permissionOf(doc, key, "service") }).toEqual({ file, key, p: undefined });
    }
  });

  it("never grants aggregations or limits, and nothing on the sensitive tables", () => {
    for (const [file, doc] of Object.entries(tables)) {
      const select = permissionOf(doc, "select_permissions", "service") as Record<string, unknown> | undefined;
      if (select) expect({ file, keys: Object.keys(select).filter((k) => k === "allow_aggregations" || k === "limit") }).toEqual({ file, keys: [] });
    }
    for (const file of ["public_django_q_task.yaml", "public_home_userprofile.yaml", "public_rolodex_clientinvite.yaml", "public_rolodex_projectinvite.yaml"]) {
      expect(permissionOf(tables[file], "select_permissions", "service")).toBeUndefined();
    }
    expect(permissionOf(tables["public_reporting_severity.yaml"], "select_permissions", "service")).toEqual({ columns: "*", filter: {} });
  });

  it("exposes users only through relationships, active ones, via 13 paths", () => {
    const users = permissionOf(tables["public_users_user.yaml"], "select_permissions", "service") as Record<string, unknown>;
    expect(users.columns).toEqual(["email", "id", "name", "phone", "timezone", "username"]);
    expect(users.query_root_fields).toEqual([]);
    expect(users.subscription_root_fields).toEqual([]);
    const filter = users.filter as { _and: [unknown, { _or: unknown[] }] };
    expect(filter._and[0]).toEqual({ is_active: { _eq: true } });
    expect(filter._and[1]._or).toHaveLength(13);
    expect(filter._and[1]._or).toContainEqual({ domains: { _or: [P("checkouts", "project"), P("checkouts", "domainServerConnections", "project")] } });
    expect(filter._and[1]._or).toContainEqual(P("servers", "checkouts", "project"));
  });

  it("gives collab three tables, no mutations, and covers privileged users on evidence (7.0.2)", () => {
    const withCollab = Object.entries(tables).filter(([, doc]) => ["insert_permissions", "select_permissions", "update_permissions", "delete_permissions"].some((k) => permissionOf(doc, k, "collab")));
    expect(withCollab.map(([f]) => f).sort()).toEqual(["public_reporting_evidence.yaml", "public_reporting_findingtype.yaml", "public_reporting_severity.yaml"]);
    expect(permissionOf(tables["public_reporting_severity.yaml"], "select_permissions", "collab")).toEqual({ columns: ["id", "severity"], filter: {} });
    const evidence = permissionOf(tables["public_reporting_evidence.yaml"], "select_permissions", "collab") as { columns: string[]; filter: { _and: Array<{ _or: unknown[] }> } };
    expect(evidence.columns).toEqual(["caption", "description", "document", "finding_id", "friendly_name", "id", "report_id"]);
    const [access, scope] = evidence.filter._and as [{ _or: Array<Record<string, any>> }, { _or: unknown[] }];
    expect(scope._or).toEqual([{ report_id: { _eq: "X-Hasura-Collab-Report-Id" } }, { finding_id: { _eq: "X-Hasura-Collab-Finding-Id" } }]);
    const userAccess = access._or[1]?.report.project._or as Array<Record<string, unknown>>;
    expect(userAccess).toContainEqual({ invites: { user_id: { _eq: "X-Hasura-User-Id" } } });
    expect(userAccess).toContainEqual({ client: { invites: { user_id: { _eq: "X-Hasura-User-Id" } } } });
    expect(userAccess[0]).toEqual({
      _exists: {
        _table: { name: "users_user", schema: "public" },
        _where: { _and: [{ id: { _eq: "X-Hasura-User-Id" } }, { is_active: { _eq: true } }, { _or: [{ role: { _in: ["admin", "manager"] } }, { is_staff: { _eq: true } }, { is_superuser: { _eq: true } }] }] },
      },
    });
  });

  it("matches the stored snapshot of every owned entry (parsed YAML)", () => {
    const owned: Record<string, unknown> = {};
    for (const [file, doc] of Object.entries(tables)) {
      if (file === "tables.yaml") continue;
      for (const key of ["insert_permissions", "select_permissions", "update_permissions", "delete_permissions"]) {
        for (const role of OWNED_ROLES) {
          const p = permissionOf(doc, key, role);
          if (p !== undefined) owned[`${file} ${key} ${role}`] = p;
        }
      }
    }
    expect(Object.keys(owned)).toHaveLength(52);
    expect(owned).toMatchSnapshot();
  });

  it("generates the same plan with absolute and relative paths (nothing depends on how it is called)", async () => {
    const fromRoot = await plan({
      policyFile: path.join(REPO, "hasura", "policy.yaml"),
      metadataDir: path.join(REPO, "hasura", "metadata"),
      viewsFile: path.join(REPO, "migrations", "repeatable", "access_views.sql"),
      cwd: "/",
    });
    expect(fromRoot.files).toEqual([]);
    expect(fs.existsSync(path.join(generated, TABLES, "public_api_service_token_project_access.yaml"))).toBe(true);
  });
});

function prefixed(tree: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [prefix + k, v]));
}
