// What a service token's permission rows mean, with Ghostwriter's rules: building the rows of a
// preset, recognising a preset, validating explicit grants, the four oplog session variables
// Hasura gets (one id per action, else -1) and the one-line scope summary.

import { InvalidInputError } from "../errors";
import type { NewPermission, PermissionRow } from "../db/repositories/service-tokens";

export type Preset = "oplog_rw" | "project_read" | "custom";
export const OPLOG_ACTIONS = ["read", "create", "update", "delete"] as const;
export type OplogAction = (typeof OPLOG_ACTIONS)[number];
export const ALL_ACCESSIBLE = { scope: "all_accessible_projects" } as const;

export type PresetRequest =
  | { readonly preset: "oplog_rw"; readonly oplogId: string }
  | { readonly preset: "project_read"; readonly projectIds: readonly string[] }
  | { readonly preset: "project_read"; readonly allAccessible: true };

export function presetPermissions(request: PresetRequest): NewPermission[] {
  if (request.preset === "oplog_rw") {
    return OPLOG_ACTIONS.map((action) => ({ resourceType: "oplog", resourceId: request.oplogId, action, constraints: {} }));
  }
  if ("allAccessible" in request) {
    return [{ resourceType: "project", resourceId: null, action: "read", constraints: { ...ALL_ACCESSIBLE } }];
  }
  const ids = [...new Set(request.projectIds.map(String))].sort((a, b) => Number(a) - Number(b));
  if (ids.length === 0) throw new InvalidInputError("Select at least one project for a project read-only token");
  return ids.map((id) => ({ resourceType: "project", resourceId: id, action: "read", constraints: {} }));
}

/** oplog_rw or project_read only when the rows equal that preset exactly (Ghostwriter's get_token_preset). */
export function detectPreset(permissions: readonly PermissionRow[]): Preset {
  if (permissions.length === 0) return "custom";
  const key = (p: { resourceType: string; resourceId: string | null; action: string; constraints: Record<string, unknown> }) =>
    `${p.resourceType}:${p.resourceId ?? "null"}:${p.action}:${JSON.stringify(sortedObject(p.constraints))}`;
  const actual = permissions.map(key).sort();
  const first = permissions[0] as PermissionRow;
  const candidates: PresetRequest[] = [];
  if (first.resourceType === "oplog" && first.resourceId !== null) candidates.push({ preset: "oplog_rw", oplogId: first.resourceId });
  if (first.resourceType === "project") {
    candidates.push({ preset: "project_read", allAccessible: true });
    const ids = permissions.map((p) => p.resourceId).filter((id): id is string => id !== null);
    if (ids.length > 0) candidates.push({ preset: "project_read", projectIds: ids });
  }
  for (const candidate of candidates) {
    const expected = presetPermissions(candidate).map(key).sort();
    if (expected.length === actual.length && expected.every((k, i) => k === actual[i])) return candidate.preset;
  }
  return "custom";
}

/** Hasura supports one oplog per action: a single concrete id, else -1 (none, several, or a NULL id). */
export function oplogScope(permissions: readonly PermissionRow[]): Record<OplogAction, string> {
  const scope = {} as Record<OplogAction, string>;
  for (const action of OPLOG_ACTIONS) {
    const rows = permissions.filter((p) => p.resourceType === "oplog" && p.action === action);
    const ids = new Set(rows.map((p) => p.resourceId));
    const only = rows.length > 0 && ids.size === 1 ? [...ids][0] : undefined;
    scope[action] = only === undefined || only === null || rows.some((p) => p.resourceId === null) ? "-1" : only;
  }
  return scope;
}

/** Ghostwriter's scope_display. */
export function scopeSummary(permissions: readonly PermissionRow[]): string {
  const preset = detectPreset(permissions);
  if (preset === "oplog_rw") return `Oplog #${permissions[0]?.resourceId} (R/W)`;
  if (preset === "project_read") {
    if (permissions.some((p) => p.resourceId === null)) return "All Accessible Projects (Read-Only)";
    if (permissions.length === 1) return `Project #${permissions[0]?.resourceId} (Read-Only)`;
    return `${permissions.length} Projects (Read-Only)`;
  }
  // Ghostwriter's fallbacks for tokens outside the presets: one concrete oplog (or project) id
  // across all of that kind's rows is still named.
  const single = (type: string): string | undefined => {
    const rows = permissions.filter((p) => p.resourceType === type);
    const ids = new Set(rows.map((p) => p.resourceId));
    return ids.size === 1 && !ids.has(null) ? (rows[0]?.resourceId as string) : undefined;
  };
  const oplog = single("oplog");
  if (oplog !== undefined) return `Oplog #${oplog}`;
  const project = single("project");
  if (project !== undefined) return `Project #${project}`;
  return "Custom";
}

/**
 * Parses explicit grants written `oplog:<id>:<action>`, `project:<id>:read` or `project:all:read`,
 * enforcing what api_servicetokenpermission's constraints enforce, before anything is written.
 */
export function parseGrants(specs: readonly string[]): NewPermission[] {
  if (specs.length === 0) throw new InvalidInputError("give at least one --grant");
  const grants: NewPermission[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    const match = /^(oplog|project):(\d+|all):(read|create|update|delete)$/.exec(spec.trim());
    if (!match) {
      throw new InvalidInputError(`grant "${spec}" must look like oplog:<id>:<read|create|update|delete>, project:<id>:read or project:all:read`);
    }
    const [, resourceType, id, action] = match as unknown as [string, "oplog" | "project", string, OplogAction];
    if (resourceType === "project" && action !== "read") throw new InvalidInputError(`grant "${spec}": projects can only be granted read`);
    if (id === "all" && resourceType !== "project") throw new InvalidInputError(`grant "${spec}": only project read can cover all accessible projects`);
    if (id !== "all" && Number(id) > 2_147_483_647) throw new InvalidInputError(`grant "${spec}": the id is out of range`);
    // Keyed on the normalised id: "7" and "07" are the same row to the unique index.
    const key = `${resourceType}:${id === "all" ? id : String(Number(id))}:${action}`;
    if (seen.has(key)) throw new InvalidInputError(`grant "${spec}" is given twice`);
    seen.add(key);
    grants.push(
      id === "all"
        ? { resourceType, resourceId: null, action, constraints: { ...ALL_ACCESSIBLE } }
        : { resourceType, resourceId: String(Number(id)), action, constraints: {} },
    );
  }
  return grants;
}

function sortedObject(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
