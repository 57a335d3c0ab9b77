// `metadata check` in CI: 0 when the committed files are what the policy generates, 2 on drift
// (naming the file and the permission), 1 when the check cannot run. `metadata generate` refuses
// a bad policy and writes nothing.

import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { EXIT } from "../../../cli/exit-codes";
import { emitYaml } from "../../../metadata-gen/render/yaml";
import { copyReference, readTree, runCli, TABLES } from "./support";

function edit(dir: string, file: string, change: (doc: any) => void): void {
  const full = path.join(dir, TABLES, file);
  const doc = load(fs.readFileSync(full, "utf8"));
  change(doc);
  fs.writeFileSync(full, emitYaml(doc));
}

describe("metadata check", () => {
  let dir: string;
  beforeEach(() => {
    dir = copyReference();
  });

  it("exits 0 when everything is current", async () => {
    expect(await runCli(["metadata", "check"], dir)).toMatchObject({ code: EXIT.ok, out: "metadata and access views match the policy\n" });
  });

  it("reads a column list as a set and keeps an entry's comment: no drift, nothing rewritten", async () => {
    edit(dir, "public_reporting_archive.yaml", (doc) => {
      doc.select_permissions[0].permission.columns.reverse();
      doc.select_permissions[0].comment = "reviewed by ops";
    });
    const before = readTree(dir);
    expect(await runCli(["metadata", "check"], dir)).toMatchObject({ code: EXIT.ok });
    expect(await runCli(["metadata", "generate"], dir)).toMatchObject({ code: EXIT.ok });
    expect(readTree(dir)).toEqual(before);
  });

  it("keeps an entry's comment when the permission itself is rewritten", async () => {
    edit(dir, "public_reporting_archive.yaml", (doc) => {
      doc.select_permissions[0].permission.filter = {};
      doc.select_permissions[0].comment = "reviewed by ops";
    });
    expect(await runCli(["metadata", "generate"], dir)).toMatchObject({ code: EXIT.ok });
    const doc = load(fs.readFileSync(path.join(dir, TABLES, "public_reporting_archive.yaml"), "utf8")) as any;
    expect(doc.select_permissions[0].comment).toBe("reviewed by ops");
    expect(doc.select_permissions[0].permission.filter).toEqual({ project: { serviceTokenProjectAccesses: { token_id: { _eq: "X-Hasura-Service-Token-Id" } } } });
    expect(await runCli(["metadata", "check"], dir)).toMatchObject({ code: EXIT.ok });
  });

  it("exits 2 and names the file and the permission that drifted", async () => {
    edit(dir, "public_rolodex_projectnote.yaml", (doc) => {
      doc.select_permissions[0].permission.filter = {};
    });
    edit(dir, "public_django_q_task.yaml", (doc) => {
      doc.select_permissions = [{ role: "service", permission: { columns: "*", filter: {} } }];
    });
    edit(dir, "public_oplog_oplogentry.yaml", (doc) => {
      delete doc.delete_permissions;
    });
    const result = await runCli(["metadata", "check"], dir);
    expect(result.code).toBe(EXIT.drift);
    expect(result.out).toBe(
      [
        "drift: 3 file(s) differ from what the policy generates:",
        "  hasura/metadata/databases/default/tables/public_django_q_task.yaml: select_permissions: the select permission of role service is not in the policy (it would be removed)",
        "  hasura/metadata/databases/default/tables/public_oplog_oplogentry.yaml: delete_permissions: the delete permission of role service is missing",
        "  hasura/metadata/databases/default/tables/public_rolodex_projectnote.yaml: select_permissions: the select permission of role service differs from the policy",
        "run `token-sidecar metadata generate` and commit the result",
        "",
      ].join("\n"),
    );
  });

  it("sees a policy edited without regenerating, and the views file, the view's table file and the project relationship", async () => {
    const policyFile = path.join(dir, "hasura", "policy.yaml");
    fs.writeFileSync(policyFile, fs.readFileSync(policyFile, "utf8").replace("columns: [id, mute_notifications, name, project_id]", "columns: [id, name, project_id]"));
    fs.rmSync(path.join(dir, "migrations", "repeatable", "access_views.down.sql"));
    fs.appendFileSync(path.join(dir, "migrations", "repeatable", "access_views.sql"), "-- edited by hand\n");
    fs.rmSync(path.join(dir, TABLES, "public_api_service_token_project_access.yaml"));
    edit(dir, "tables.yaml", (doc: string[]) => doc.shift());
    edit(dir, "public_rolodex_project.yaml", (doc) => {
      doc.array_relationships = doc.array_relationships.filter((r: { name: string }) => r.name !== "serviceTokenProjectAccesses");
    });
    const result = await runCli(["metadata", "check"], dir);
    expect(result.code).toBe(EXIT.drift);
    for (const line of [
      "hasura/metadata/databases/default/tables/public_oplog_oplog.yaml: select_permissions: the select permission of role service differs from the policy",
      "hasura/metadata/databases/default/tables/public_rolodex_project.yaml: array_relationships: relationship serviceTokenProjectAccesses is missing",
      "hasura/metadata/databases/default/tables/public_api_service_token_project_access.yaml: the access view's table file is missing",
      "hasura/metadata/databases/default/tables/tables.yaml: the include of public_api_service_token_project_access.yaml is missing",
      "migrations/repeatable/access_views.sql: differs from what the policy generates",
      "migrations/repeatable/access_views.down.sql: is missing",
    ]) {
      expect(result.out).toContain(`  ${line}\n`);
    }
    // generate repairs all of it
    expect((await runCli(["metadata", "generate"], dir)).code).toBe(EXIT.ok);
    expect((await runCli(["metadata", "check"], dir)).code).toBe(EXIT.ok);
  });

  it("exits 1 when the policy is invalid or the metadata cannot be read", async () => {
    const policyFile = path.join(dir, "hasura", "policy.yaml");
    fs.writeFileSync(policyFile, fs.readFileSync(policyFile, "utf8").replace("filter: P(objective, project)", "filter: P(objective, user)"));
    const bad = await runCli(["metadata", "check"], dir);
    expect(bad.code).toBe(EXIT.failure);
    expect(bad.err).toMatch(/^token-sidecar: invalid policy: hasura\/policy\.yaml:\d+: roles\.service\.tables\.rolodex_projectsubtask\.filter: no relationship "user" on public\.rolodex_projectobjective/);
    const broken = copyReference();
    fs.writeFileSync(path.join(broken, TABLES, "public_users_user.yaml"), "table: [\n");
    const unreadable = await runCli(["metadata", "check"], broken);
    expect(unreadable.code).toBe(EXIT.failure);
    expect(unreadable.err).toContain("public_users_user.yaml:2: invalid YAML");
    expect((await runCli(["metadata", "check", "--metadata", "nowhere"], broken)).err).toContain("nowhere is not a directory");
  });

  it("generate refuses a bad policy with exit 65 and writes nothing", async () => {
    const policyFile = path.join(dir, "hasura", "policy.yaml");
    fs.writeFileSync(policyFile, fs.readFileSync(policyFile, "utf8").replace("columns: [email, id, name, phone, timezone, username]", "columns: [email, id, password]"));
    edit(dir, "public_rolodex_projectnote.yaml", (doc) => {
      delete doc.select_permissions;
    });
    const before = readTree(dir);
    const result = await runCli(["metadata", "generate"], dir);
    expect(result.code).toBe(EXIT.invalidInput);
    expect(result.err).toContain("roles.service.tables.users_user.columns: exposes public.users_user.password, a sensitive column");
    expect(result.err).toContain("nothing was written");
    expect(readTree(dir)).toEqual(before);
  });

  it("refuses a --views path that is not an up migration", async () => {
    const result = await runCli(["metadata", "check", "--views", "migrations/repeatable/access_views.down.sql"], dir);
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toContain("--views must name the up migration");
  });
});
