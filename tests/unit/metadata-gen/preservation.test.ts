// The generator owns only its entries: everything else in a metadata directory (other roles,
// custom names, unknown keys, event triggers, comments and hand formatting where the key did not
// change, other sources) survives a run, and running it again changes nothing.

import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { emitKeyBlock } from "../../../metadata-gen/render/yaml";
import { FIXTURES, P, permissionOf, readTree, runCli, scratchDir } from "./support";

const TABLES = path.join("metadata", "databases", "default", "tables");
const OWNED = new Set(["service", "collab"]);

/** A parsed document without the generator's entries, to compare what it must not touch. */
function foreignOnly(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key.endsWith("_permissions")) {
      const kept = (value as Array<{ role: string }>).filter((p) => !OWNED.has(p.role));
      if (kept.length > 0) out[key] = kept;
    } else if (key === "array_relationships") {
      out[key] = (value as Array<{ name: string }>).filter((r) => r.name !== "serviceTokenProjectAccesses");
    } else out[key] = value;
  }
  return out;
}

describe("a metadata directory with entries the generator does not own", () => {
  let dir: string;
  let before: Record<string, string>;
  let after: Record<string, string>;
  const doc = (tree: Record<string, string>, file: string) => load(tree[path.join(TABLES, file)] as string) as Record<string, unknown>;

  beforeAll(async () => {
    dir = scratchDir();
    fs.cpSync(path.join(FIXTURES, "foreign"), dir, { recursive: true });
    before = readTree(dir);
    const result = await runCli(["metadata", "generate", "--policy", "policy.yaml", "--metadata", "metadata", "--views", "views/access_views.sql"], dir);
    expect(result.err).not.toContain("token-sidecar:");
    expect(result.code).toBe(0);
    after = readTree(dir);
  });

  it("keeps other roles' permissions, configuration, custom names, event triggers and unknown keys", () => {
    for (const file of ["public_rolodex_project.yaml", "public_rolodex_client.yaml", "public_rolodex_projectnote.yaml", "public_reporting_severity.yaml", "public_users_user.yaml"]) {
      expect({ file, doc: foreignOnly(doc(after, file)) }).toEqual({ file, doc: foreignOnly(doc(before, file)) });
    }
    const project = doc(after, "public_rolodex_project.yaml");
    expect(Object.keys(project)).toEqual(["table", "configuration", "object_relationships", "array_relationships", "select_permissions", "update_permissions", "event_triggers", "x_custom_key"]);
    expect(permissionOf(project, "update_permissions", "manager")).toEqual({ columns: ["codename"], filter: {}, check: null });
    expect((project.array_relationships as Array<{ name: string }>).map((r) => r.name)).toEqual(["comments", "serviceTokenProjectAccesses", "zeta_links"]);
    expect((project.select_permissions as Array<{ role: string }>).map((p) => p.role)).toEqual(["service", "user"]);
  });

  it("keeps comments and hand formatting of every key it did not change", () => {
    const text = after[path.join(TABLES, "public_rolodex_project.yaml")] as string;
    expect(text.startsWith("# The project table of the fixture app. Hand-maintained parts are commented.\ntable:\n")).toBe(true);
    expect(text).toContain("  # Custom names set in the console; the generator must keep them.\n");
    expect(text).toContain("# Fires on every update; the handler lives in another service.\nevent_triggers:\n");
    expect(text).toContain('        template: |-\n          {\n            "project": {{$body.event.data.new.id}}\n          }\n');
    expect(text.endsWith("x_custom_key:\n  note: an extension another tool reads; kept as written\n")).toBe(true);
    // A key left alone keeps its flow style, even in a file that changed elsewhere.
    const note = after[path.join(TABLES, "public_rolodex_projectnote.yaml")] as string;
    expect(note).toContain("table: {name: rolodex_projectnote, schema: public}\n");
    expect(note).toContain("  - {role: user, permission: {check: {operator_id: {_eq: X-Hasura-User-Id}}, columns: [note, project_id]}}\n");
  });

  it("adds to an export-format file without reformatting anything else", () => {
    const old = before[path.join(TABLES, "public_rolodex_client.yaml")] as string;
    const text = after[path.join(TABLES, "public_rolodex_client.yaml")] as string;
    const block = emitKeyBlock("select_permissions", doc(after, "public_rolodex_client.yaml").select_permissions);
    expect(text.replace(block, "")).toBe(old.replace(/select_permissions:[\s\S]*?(?=event_triggers:)/, ""));
    expect(text.indexOf("select_permissions:")).toBeLessThan(text.indexOf("event_triggers:"));
  });

  it("replaces a stale service permission and removes owned entries the policy no longer grants", () => {
    expect(permissionOf(doc(after, "public_rolodex_projectnote.yaml"), "select_permissions", "service")).toEqual({ columns: "*", filter: P("project") });
    expect(permissionOf(doc(after, "public_users_user.yaml"), "select_permissions", "service")).toBeUndefined();
    const severity = doc(after, "public_reporting_severity.yaml");
    expect((severity.select_permissions as Array<{ role: string }>).map((p) => p.role)).toEqual(["service", "user"]);
  });

  it("leaves files it has nothing to change in byte for byte, other sources included", () => {
    for (const file of [path.join(TABLES, "public_shepherd_domain.yaml"), path.join("metadata", "databases", "databases.yaml"), path.join("metadata", "version.yaml"), "policy.yaml"]) {
      expect({ file, text: after[file] }).toEqual({ file, text: before[file] });
    }
  });

  it("adds the view's table file, its include, and the views SQL beside the chosen path", () => {
    expect(load(after[path.join(TABLES, "tables.yaml")] as string)).toEqual([
      "!include public_api_service_token_project_access.yaml",
      ...(load(before[path.join(TABLES, "tables.yaml")] as string) as string[]),
    ]);
    expect(after[path.join(TABLES, "public_api_service_token_project_access.yaml")]).toBeDefined();
    expect(after[path.join("views", "access_views.sql")]).toContain("CREATE OR REPLACE VIEW");
    expect(after[path.join("views", "access_views.down.sql")]).toContain("DROP VIEW");
  });

  it("is idempotent: a second run writes nothing and the check passes", async () => {
    const again = await runCli(["metadata", "generate", "--policy", "policy.yaml", "--metadata", "metadata", "--views", "views/access_views.sql"], dir);
    expect(again.out).toBe("nothing to write: the metadata and the views match the policy\n");
    expect(readTree(dir)).toEqual(after);
    const check = await runCli(["metadata", "check", "--policy", "policy.yaml", "--metadata", "metadata", "--views", "views/access_views.sql"], dir);
    expect(check.code).toBe(0);
  });
});
