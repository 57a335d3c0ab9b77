// Hasura permission objects, in the key order `hasura metadata export` writes them, from resolved
// policy data. Boolean expressions get their keys sorted, as the server's export does. Pure.

import type { ResolvedColumns, ResolvedTable } from "../resolve";

export type PermissionKey = "insert_permissions" | "select_permissions" | "update_permissions" | "delete_permissions";
export const PERMISSION_KEYS: readonly PermissionKey[] = ["insert_permissions", "select_permissions", "update_permissions", "delete_permissions"];

export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
  return out;
}

function columns(value: ResolvedColumns): unknown {
  return value === "*" ? "*" : [...value];
}

/** The permission bodies of one role on one table, by metadata key. */
export function renderPermissions(table: ResolvedTable): Map<PermissionKey, Record<string, unknown>> {
  const out = new Map<PermissionKey, Record<string, unknown>>();
  if (table.insert) out.set("insert_permissions", { check: sortKeysDeep(table.insert.check), columns: columns(table.insert.columns) });
  if (table.select) {
    const s = table.select;
    const body: Record<string, unknown> = { columns: columns(s.columns), filter: sortKeysDeep(s.filter) };
    if (s.limit !== undefined) body.limit = s.limit;
    if (s.allowAggregations) body.allow_aggregations = true;
    if (s.rootFields !== undefined) {
      body.query_root_fields = [...s.rootFields];
      body.subscription_root_fields = [...s.rootFields];
    }
    out.set("select_permissions", body);
  }
  if (table.update) {
    out.set("update_permissions", { columns: columns(table.update.columns), filter: sortKeysDeep(table.update.filter), check: sortKeysDeep(table.update.check) });
  }
  if (table.delete) out.set("delete_permissions", { filter: sortKeysDeep(table.delete.filter) });
  return out;
}

/** `api_service_token_project_access` → `serviceTokenProjectAccess`: Hasura names in the app's camelCase style. */
export function camelName(name: string): string {
  const words = name.replace(/^api_/, "").split(/_+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join("");
}
