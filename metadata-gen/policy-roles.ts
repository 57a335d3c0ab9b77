// The `roles` section of the policy: per role its kind (which lints apply), the session variables
// that carry its grants, and per table the row filter, the columns, root fields and mutations.
// Filters stay raw YAML here; resolve.ts turns them into Hasura boolean expressions.

import type { QualifiedName } from "./metadata";
import { describe, Fields, tableRef } from "./policy-fields";
import type { ProblemList } from "./problems";
import { joinPath } from "./yaml-source";

export type Action = "select" | "insert" | "update" | "delete";
export const ACTIONS: readonly Action[] = ["select", "insert", "update", "delete"];

/** service: a service token (token-scoped lints); user: a request carrying a user id; anonymous: no credential. */
export type RoleKind = "service" | "user" | "anonymous";

export type ColumnSpec =
  | { readonly kind: "all" }
  | { readonly kind: "list"; readonly columns: readonly string[] }
  | { readonly kind: "except"; readonly columns: readonly string[] };

export interface Expression {
  readonly raw: unknown;
  readonly path: string;
}

export interface TableRule {
  readonly table: QualifiedName;
  readonly path: string;
  /** `none`: declared on purpose to have no permissions at all. */
  readonly none: boolean;
  readonly select?: {
    readonly filter: Expression;
    readonly columns: ColumnSpec;
    readonly columnsPath: string;
    readonly rootFields: readonly string[] | undefined;
    readonly allowAggregations: boolean;
    readonly limit: number | undefined;
  };
  readonly insert?: { readonly check: Expression; readonly columns: ColumnSpec; readonly columnsPath: string; readonly path: string };
  readonly update?: { readonly filter: Expression; readonly check: Expression; readonly columns: ColumnSpec; readonly columnsPath: string; readonly path: string };
  readonly delete?: { readonly filter: Expression; readonly path: string };
}

export interface RoleRule {
  readonly name: string;
  readonly kind: RoleKind;
  readonly path: string;
  readonly grantVariables: Readonly<Record<Action, readonly string[]>>;
  readonly coverAllTables: boolean;
  readonly tables: readonly TableRule[];
}

const ROLE_KEYS = ["kind", "grant_variables", "cover_all_tables", "tables"];
const TABLE_KEYS = ["filter", "columns", "root_fields", "allow_aggregations", "limit", "insert", "update", "delete"];
const ROOT_FIELDS = ["select", "select_by_pk", "select_aggregate"];

export function readRoles(top: Fields, problems: ProblemList): RoleRule[] {
  const roles = top.entries("roles", true);
  if (top.raw("roles") !== undefined && roles.length === 0) problems.add(top.pathOf("roles"), "names no role");
  return roles.flatMap(({ key: name, value, path }) => {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) problems.add(path, `${JSON.stringify(name)} is not a usable role name (letters, digits, _ and -)`);
    const role = new Fields(value, path, problems, ROLE_KEYS);
    if (!role.ok) return [];
    const kind = role.string("kind");
    if (kind !== "service" && kind !== "user" && kind !== "anonymous") {
      if (kind !== "") problems.add(role.pathOf("kind"), `must be service, user or anonymous, not ${JSON.stringify(kind)}`);
      return [];
    }
    const grants = role.object("grant_variables", ACTIONS, true);
    const grantVariables = Object.fromEntries(ACTIONS.map((a) => [a, grants.stringList(a, [])])) as Record<Action, string[]>;
    for (const action of ACTIONS) {
      grantVariables[action].forEach((v, i) => {
        if (!/^x-hasura-[A-Za-z0-9_-]+$/i.test(v)) problems.add(joinPath(grants.pathOf(action), i), `${JSON.stringify(v)} is not a session variable (X-Hasura-...)`);
      });
    }
    const cover = role.raw("cover_all_tables");
    if (cover !== undefined && typeof cover !== "boolean") problems.add(role.pathOf("cover_all_tables"), `must be true or false, not ${describe(cover)}`);
    const tables = role.entries("tables", true).map((t) => readTable(t.key, t.value, t.path, problems));
    return [{ name, kind, path, grantVariables, coverAllTables: cover === true, tables: tables.filter((t): t is TableRule => t !== undefined) }];
  });
}

function readTable(key: string, value: unknown, path: string, problems: ProblemList): TableRule | undefined {
  const table = tableRef(key, path, problems);
  if (value === "none") return { table, path, none: true };
  const rule = new Fields(value, path, problems, TABLE_KEYS);
  if (!rule.ok) {
    return undefined;
  }
  const hasSelect = rule.raw("filter") !== undefined;
  for (const key of ["columns", "root_fields", "allow_aggregations", "limit"]) {
    if (!hasSelect && rule.raw(key) !== undefined) problems.add(rule.pathOf(key), "belongs to a select permission, which needs a filter (use `filter: global` for every row)");
  }
  const insert = rule.object("insert", ["check", "columns"], true);
  const update = rule.object("update", ["filter", "check", "columns"], true);
  const del = rule.object("delete", ["filter"], true);
  const result: TableRule = {
    table,
    path,
    none: false,
    select: hasSelect
      ? {
          filter: { raw: rule.raw("filter"), path: rule.pathOf("filter") },
          columns: readColumns(rule, "columns", problems),
          columnsPath: rule.pathOf("columns"),
          rootFields: readRootFields(rule, problems),
          allowAggregations: readBoolean(rule, "allow_aggregations", problems),
          limit: readLimit(rule, problems),
        }
      : undefined,
    insert: rule.raw("insert") === undefined ? undefined : { check: required(insert, "check"), columns: readColumns(insert, "columns", problems), columnsPath: insert.pathOf("columns"), path: insert.path },
    update:
      rule.raw("update") === undefined
        ? undefined
        : { filter: required(update, "filter"), check: required(update, "check"), columns: readColumns(update, "columns", problems), columnsPath: update.pathOf("columns"), path: update.path },
    delete: rule.raw("delete") === undefined ? undefined : { filter: required(del, "filter"), path: del.path },
  };
  if (!result.select && !result.insert && !result.update && !result.delete) problems.add(path, "grants nothing: give a filter (select) or a mutation, or write `none`");
  return result;
}

function required(fields: Fields, key: string): Expression {
  if (fields.raw(key) === undefined && fields.ok) fields.problems.add(fields.pathOf(key), "is required");
  return { raw: fields.raw(key), path: fields.pathOf(key) };
}

function readColumns(fields: Fields, key: string, problems: ProblemList): ColumnSpec {
  const value = fields.raw(key);
  const path = fields.pathOf(key);
  if (value === undefined) {
    if (fields.ok) problems.add(path, "is required (all, a list of columns, or {except: [...]})");
    return { kind: "list", columns: [] };
  }
  if (value === "all" || value === "*") return { kind: "all" };
  if (Array.isArray(value)) return { kind: "list", columns: columnList(value, path, problems) };
  if (typeof value === "object" && value !== null && Object.keys(value).length === 1 && Array.isArray((value as { except?: unknown }).except)) {
    return { kind: "except", columns: columnList((value as { except: unknown[] }).except, joinPath(path, "except"), problems) };
  }
  problems.add(path, `must be all, a list of columns, or {except: [...]}, not ${describe(value)}`);
  return { kind: "list", columns: [] };
}

function columnList(items: readonly unknown[], path: string, problems: ProblemList): string[] {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (typeof item !== "string" || item === "") problems.add(joinPath(path, i), `must be a column name, not ${describe(item)}`);
    else if (seen.has(item)) problems.add(joinPath(path, i), `column ${item} is listed twice`);
    else seen.add(item);
  });
  if (items.length === 0) problems.add(path, "lists no column");
  return [...seen];
}

function readRootFields(rule: Fields, problems: ProblemList): string[] | undefined {
  if (rule.raw("root_fields") === undefined) return undefined;
  const list = rule.stringList("root_fields");
  list.forEach((f, i) => {
    if (!ROOT_FIELDS.includes(f)) problems.add(joinPath(rule.pathOf("root_fields"), i), `unknown root field ${JSON.stringify(f)} (expected ${ROOT_FIELDS.join(", ")})`);
  });
  return list;
}

function readBoolean(rule: Fields, key: string, problems: ProblemList): boolean {
  const value = rule.raw(key);
  if (value === undefined) return false;
  if (typeof value !== "boolean") problems.add(rule.pathOf(key), `must be true or false, not ${describe(value)}`);
  return value === true;
}

function readLimit(rule: Fields, problems: ProblemList): number | undefined {
  const value = rule.raw("limit");
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) problems.add(rule.pathOf("limit"), `must be a whole number of at least 1, not ${describe(value)}`);
  return typeof value === "number" ? value : undefined;
}
