// Puts the generator's entries into one parsed table document and leaves everything else as it
// was: the owned roles' permission entries are replaced (or removed when the policy no longer
// grants them), owned relationships are upserted by name; other roles, other relationships,
// configuration, event triggers and unknown keys are untouched. Lists it changes are sorted as the
// export sorts them (permissions by role, relationships by name); new keys go where the export
// order puts them. Returns the new document and a line per changed entry (for drift reports).

import { isPlainObject } from "./yaml-source";
import { PERMISSION_KEYS, type PermissionKey } from "./render/permissions";

export const EXPORT_ORDER = [
  "table", "is_enum", "configuration", "object_relationships", "array_relationships", "computed_fields",
  "remote_relationships", "insert_permissions", "select_permissions", "update_permissions", "delete_permissions",
  "event_triggers", "apollo_federation_config", "logical_model",
];

const PERMISSION_NAMES: Record<PermissionKey, string> = {
  insert_permissions: "insert",
  select_permissions: "select",
  update_permissions: "update",
  delete_permissions: "delete",
};

export interface OwnedEntries {
  /** Roles whose entries this table file must hold exactly as given (absent = no permission). */
  readonly roles: ReadonlySet<string>;
  readonly permissions: ReadonlyMap<string, ReadonlyMap<PermissionKey, Record<string, unknown>>>;
  readonly relationships?: ReadonlyArray<{ readonly key: "object_relationships" | "array_relationships"; readonly entry: Record<string, unknown> }>;
  /** Top-level keys to set only when the document lacks them (the view's configuration). */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

export function mergeTable(doc: Readonly<Record<string, unknown>>, owned: OwnedEntries): { doc: Record<string, unknown>; changes: string[] } {
  const out: Record<string, unknown> = { ...doc };
  const changes: string[] = [];
  for (const [key, value] of Object.entries(owned.defaults ?? {})) {
    if (out[key] === undefined) {
      out[key] = value;
      changes.push(`${key}: missing`);
    }
  }
  for (const { key, entry } of owned.relationships ?? []) {
    const list = asList(out[key]);
    const name = String(entry.name);
    const index = list.findIndex((r) => isPlainObject(r) && r.name === name);
    if (index >= 0 && deepEqual(list[index], entry)) continue;
    changes.push(`${key}: relationship ${name} ${index >= 0 ? "differs from the generated one" : "is missing"}`);
    const next = index >= 0 ? list.map((r, i) => (i === index ? entry : r)) : [...list, entry];
    out[key] = stableSort(next, (r) => (isPlainObject(r) ? String(r.name) : ""));
  }
  for (const key of PERMISSION_KEYS) {
    const list = asList(out[key]);
    const foreign = list.filter((p) => !(isPlainObject(p) && owned.roles.has(String(p.role))));
    const wanted: Record<string, unknown>[] = [...owned.roles].flatMap((role) => {
      const permission = owned.permissions.get(role)?.get(key);
      if (!permission) return [];
      // An entry's comment is the operator's; it survives a rewrite of the permission.
      const existing = list.find((p) => isPlainObject(p) && p.role === role) as Record<string, unknown> | undefined;
      return [existing?.comment === undefined ? { role, permission } : { role, permission, comment: existing.comment }];
    });
    let touched = false;
    for (const role of [...owned.roles].sort()) {
      const have = list.filter((p) => isPlainObject(p) && p.role === role);
      const want = wanted.find((w) => w.role === role);
      const what = PERMISSION_NAMES[key];
      if (!want && have.length > 0) changes.push(`${key}: the ${what} permission of role ${role} is not in the policy (it would be removed)`);
      else if (want && have.length === 0) changes.push(`${key}: the ${what} permission of role ${role} is missing`);
      else if (want && (have.length > 1 || !samePermission(have[0], want))) changes.push(`${key}: the ${what} permission of role ${role} differs from the policy`);
      else continue;
      touched = true;
    }
    if (!touched) continue;
    // Roles whose entries already say the same keep them as written.
    const kept = wanted.map((want) => {
      const have = list.filter((p) => isPlainObject(p) && p.role === want.role);
      return have.length === 1 && samePermission(have[0], want) ? have[0] : want;
    });
    const merged = stableSort([...foreign, ...kept], (p) => (isPlainObject(p) ? String(p.role) : ""));
    if (merged.length === 0) delete out[key];
    else out[key] = merged;
  }
  return { doc: changes.length === 0 ? { ...doc } : orderKeys(out, doc), changes };
}

/**
 * Equal as Hasura reads them: a column list is a set (an exported file may list columns in any
 * order, and rewriting it only to sort them would be noise), the rest structurally.
 */
function samePermission(have: unknown, want: Record<string, unknown>): boolean {
  const columnsAsSet = (entry: unknown): unknown => {
    if (!isPlainObject(entry) || !isPlainObject(entry.permission) || !Array.isArray(entry.permission.columns)) return entry;
    return { ...entry, permission: { ...entry.permission, columns: [...entry.permission.columns].map(String).sort() } };
  };
  return deepEqual(columnsAsSet(have), columnsAsSet(want));
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Existing keys keep their places; a new key goes after the last existing key the export puts before it. */
function orderKeys(doc: Record<string, unknown>, original: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const keys = Object.keys(original).filter((k) => doc[k] !== undefined);
  for (const key of Object.keys(doc)) {
    if (keys.includes(key)) continue;
    const rank = EXPORT_ORDER.indexOf(key);
    let at = keys.length;
    if (rank >= 0) {
      const after = keys.map((k, i) => ({ i, r: EXPORT_ORDER.indexOf(k) })).filter(({ r }) => r >= 0 && r < rank);
      const before = keys.findIndex((k) => EXPORT_ORDER.indexOf(k) > rank);
      at = after.length > 0 ? (after[after.length - 1] as { i: number }).i + 1 : before >= 0 ? before : keys.length;
    }
    keys.splice(at, 0, key);
  }
  return Object.fromEntries(keys.map((k) => [k, doc[k]]));
}

function stableSort<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, index, k: key(item) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.index - b.index))
    .map(({ item }) => item);
}

/** Structural equality; object key order does not matter, list order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}
