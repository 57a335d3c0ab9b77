// What a service token's permission rows mean (spec §3 "Presets", §1 session variables): preset
// rows exactly as ServiceToken.build_permissions_for_preset builds them, get_token_preset's
// exact-equality detection, get_hasura_scope's one-oplog-per-action rule, scope_display, and the
// CLI's --grant syntax, which must refuse what api_servicetokenpermission's constraints refuse.

import type { PermissionRow } from "../../webhook/db/repositories/service-tokens";
import { detectPreset, oplogScope, parseGrants, presetPermissions, scopeSummary } from "../../webhook/credentials/service-scope";
import { InvalidInputError } from "../../webhook/errors";

let nextId = 1;
function row(resourceType: string, resourceId: string | null, action: string, constraints: Record<string, unknown> = {}): PermissionRow {
  return { id: String(nextId++), resourceType, resourceId, action, constraints };
}
const ALL = { scope: "all_accessible_projects" };
const oplogRw = (id: string) => ["read", "create", "update", "delete"].map((a) => row("oplog", id, a));

describe("presetPermissions: Ghostwriter's preset rows", () => {
  it("oplog_rw is four rows on one oplog: read, create, update, delete, with empty constraints", () => {
    expect(presetPermissions({ preset: "oplog_rw", oplogId: "7" })).toEqual([
      { resourceType: "oplog", resourceId: "7", action: "read", constraints: {} },
      { resourceType: "oplog", resourceId: "7", action: "create", constraints: {} },
      { resourceType: "oplog", resourceId: "7", action: "update", constraints: {} },
      { resourceType: "oplog", resourceId: "7", action: "delete", constraints: {} },
    ]);
  });

  it("project_read on selected projects is one read row per unique id, sorted numerically", () => {
    expect(presetPermissions({ preset: "project_read", projectIds: ["10", "3", "9", "3"] })).toEqual([
      { resourceType: "project", resourceId: "3", action: "read", constraints: {} },
      { resourceType: "project", resourceId: "9", action: "read", constraints: {} },
      { resourceType: "project", resourceId: "10", action: "read", constraints: {} },
    ]);
  });

  it("project_read on all accessible projects is one dynamic row with the scope constraint", () => {
    expect(presetPermissions({ preset: "project_read", allAccessible: true })).toEqual([
      { resourceType: "project", resourceId: null, action: "read", constraints: { scope: "all_accessible_projects" } },
    ]);
  });

  it("project_read with no project raises Ghostwriter's message", () => {
    expect(() => presetPermissions({ preset: "project_read", projectIds: [] })).toThrow(InvalidInputError);
    expect(() => presetPermissions({ preset: "project_read", projectIds: [] })).toThrow("Select at least one project for a project read-only token");
  });
});

describe("detectPreset: a preset only when the rows equal it exactly", () => {
  it("recognises each preset in any row order", () => {
    expect(detectPreset(oplogRw("7"))).toBe("oplog_rw");
    expect(detectPreset([...oplogRw("7")].reverse())).toBe("oplog_rw");
    expect(detectPreset([row("project", "5", "read")])).toBe("project_read");
    expect(detectPreset([row("project", "9", "read"), row("project", "2", "read"), row("project", "5", "read")])).toBe("project_read");
    expect(detectPreset([row("project", null, "read", ALL)])).toBe("project_read");
  });

  it("everything else is custom", () => {
    expect(detectPreset([])).toBe("custom");
    expect(detectPreset(oplogRw("7").slice(0, 3))).toBe("custom"); // no delete
    expect(detectPreset([row("oplog", "7", "read")])).toBe("custom"); // read-only oplog token
    expect(detectPreset([...oplogRw("7"), ...oplogRw("8")])).toBe("custom"); // two oplogs
    expect(detectPreset([...oplogRw("7").slice(0, 2), ...oplogRw("8").slice(2)])).toBe("custom"); // split across oplogs
    expect(detectPreset([...oplogRw("7"), row("project", "5", "read")])).toBe("custom"); // mixed
    expect(detectPreset([row("project", "5", "read"), ...oplogRw("7")])).toBe("custom");
    expect(detectPreset([row("project", null, "read", ALL), row("project", "5", "read")])).toBe("custom");
    expect(detectPreset([row("project", "5", "read", ALL)])).toBe("custom"); // concrete id with a scope
    expect(detectPreset([row("project", null, "read")])).toBe("custom"); // dynamic row without the scope
    expect(detectPreset([row("project", null, "read", { scope: "everything" })])).toBe("custom");
    expect(detectPreset(oplogRw("7").map((p) => ({ ...p, constraints: { note: "x" } })))).toBe("custom");
  });
});

describe("oplogScope: one oplog per action, else -1 (get_hasura_scope)", () => {
  it("an oplog_rw token names its oplog for all four actions", () => {
    expect(oplogScope(oplogRw("7"))).toEqual({ read: "7", create: "7", update: "7", delete: "7" });
  });

  it("actions without rows are -1", () => {
    expect(oplogScope([row("oplog", "7", "read")])).toEqual({ read: "7", create: "-1", update: "-1", delete: "-1" });
    expect(oplogScope([])).toEqual({ read: "-1", create: "-1", update: "-1", delete: "-1" });
    expect(oplogScope([row("project", "7", "read")])).toEqual({ read: "-1", create: "-1", update: "-1", delete: "-1" });
  });

  it("two oplogs for one action, or a NULL id, is -1 for that action only", () => {
    expect(oplogScope([row("oplog", "7", "read"), row("oplog", "8", "read"), row("oplog", "7", "create")])).toEqual({
      read: "-1",
      create: "7",
      update: "-1",
      delete: "-1",
    });
    expect(oplogScope([row("oplog", null, "read"), row("oplog", "7", "update")])).toEqual({ read: "-1", create: "-1", update: "7", delete: "-1" });
    expect(oplogScope([row("oplog", null, "read"), row("oplog", "7", "read")])).toEqual({ read: "-1", create: "-1", update: "-1", delete: "-1" });
  });
});

describe("scopeSummary: Ghostwriter's scope_display", () => {
  it("describes each preset, names a single oplog or project outside them, and falls back to Custom", () => {
    expect(scopeSummary(oplogRw("12"))).toBe("Oplog #12 (R/W)");
    expect(scopeSummary([row("project", null, "read", ALL)])).toBe("All Accessible Projects (Read-Only)");
    expect(scopeSummary([row("project", "4", "read")])).toBe("Project #4 (Read-Only)");
    expect(scopeSummary([row("project", "4", "read"), row("project", "6", "read"), row("project", "8", "read")])).toBe("3 Projects (Read-Only)");
    expect(scopeSummary([row("oplog", "7", "read")])).toBe("Oplog #7");
    expect(scopeSummary([row("oplog", "7", "read"), row("oplog", "7", "create"), row("project", "4", "read")])).toBe("Oplog #7");
    expect(scopeSummary([row("project", "4", "read"), row("project", null, "read", ALL)])).toBe("Custom");
    expect(scopeSummary([row("oplog", "7", "read"), row("oplog", "8", "read"), row("project", "4", "read")])).toBe("Project #4");
    expect(scopeSummary([row("oplog", "7", "read"), row("oplog", "8", "read")])).toBe("Custom");
    expect(scopeSummary([])).toBe("Custom");
  });
});

describe("parseGrants: explicit --grant values", () => {
  it("turns each grant into one permission row", () => {
    expect(parseGrants(["oplog:7:read", " oplog:7:create ", "project:3:read", "project:all:read", "oplog:0:delete"])).toEqual([
      { resourceType: "oplog", resourceId: "7", action: "read", constraints: {} },
      { resourceType: "oplog", resourceId: "7", action: "create", constraints: {} },
      { resourceType: "project", resourceId: "3", action: "read", constraints: {} },
      { resourceType: "project", resourceId: null, action: "read", constraints: { scope: "all_accessible_projects" } },
      { resourceType: "oplog", resourceId: "0", action: "delete", constraints: {} },
    ]);
  });

  it("normalises ids (leading zeros) and keeps the largest integer id", () => {
    expect(parseGrants(["oplog:0007:read"])).toEqual([{ resourceType: "oplog", resourceId: "7", action: "read", constraints: {} }]);
    expect(parseGrants(["project:2147483647:read"])[0]?.resourceId).toBe("2147483647");
  });

  const refused: Array<[string, string[], string]> = [
    ["no grant at all", [], "give at least one --grant"],
    ["missing action", ["oplog:7"], "must look like"],
    ["unknown resource type (client arrives in 7.2.1)", ["client:1:read"], "must look like"],
    ["unknown action", ["oplog:7:write"], "must look like"],
    ["non-numeric id", ["oplog:x:read"], "must look like"],
    ["negative id", ["oplog:-1:read"], "must look like"],
    ["uppercase", ["OPLOG:7:READ"], "must look like"],
    ["project write (api_stp_allowed_resource_action)", ["project:3:create"], "projects can only be granted read"],
    ["project delete", ["project:3:delete"], "projects can only be granted read"],
    ["all-accessible oplog (api_stp_allowed_scope_shape)", ["oplog:all:read"], "only project read can cover all accessible projects"],
    ["id beyond the integer column", ["project:2147483648:read"], "out of range"],
    ["the same grant twice", ["oplog:7:read", "oplog:7:read"], "is given twice"],
    ["the same dynamic grant twice (api_stp_unique_dynamic_permission)", ["project:all:read", "project:all:read"], "is given twice"],
    ["the same grant twice, once with leading zeros (api_stp_unique_concrete_permission)", ["oplog:7:read", "oplog:07:read"], "is given twice"],
  ];

  it.each(refused)("refuses %s", (_label, specs, message) => {
    expect(() => parseGrants(specs)).toThrow(InvalidInputError);
    expect(() => parseGrants(specs)).toThrow(message);
  });
});
