// Runs a role's permissions on the real database, as Hasura would apply them for a request with
// the given session variables: the rows (and permitted columns) `select` returns, the rows an
// update's or delete's `filter` lets it touch, and whether an insert's or update's `check` accepts
// a row of values.

import { sql, type Kysely } from "kysely";
import { quoteIdentifier } from "../webhook/db/identifiers";
import { EvaluationError } from "./errors";
import { column, compileBoolExp, compileContext, fromTable, tableOf, type SessionVariables } from "./compile";
import type { Action, SourceModel, TableModel } from "./model";

export interface RoleView {
  readonly db: Kysely<any>;
  readonly model: SourceModel;
  readonly role: string;
  readonly session: SessionVariables;
}

export interface VisibleRows {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

export function permission(view: RoleView, table: string, action: Action): Record<string, unknown> | undefined {
  return tableOf(compileContext(view.model, view.session), table).permissions[action].get(view.role);
}

/** Columns a permission names ('*' = every column of the table). */
export function permittedColumns(table: TableModel, spec: unknown): string[] {
  if (spec === "*") return [...table.columns.keys()];
  if (spec === undefined) return [];
  if (!Array.isArray(spec)) throw new EvaluationError(`${table.key}: columns must be '*' or a list`);
  return spec.map(String);
}

/**
 * The rows `action`'s filter allows: for select the permitted columns, for update/delete every
 * column (what the mutation could reach). Undefined when the role has no such permission.
 */
export async function allowedRows(view: RoleView, tableKey: string, action: "select" | "update" | "delete", orderBy?: string): Promise<VisibleRows | undefined> {
  const ctx = compileContext(view.model, view.session);
  const table = tableOf(ctx, tableKey);
  const granted = table.permissions[action].get(view.role);
  if (!granted) return undefined;
  const columns = action === "select" ? permittedColumns(table, granted.columns) : [...table.columns.keys()];
  const alias = ctx.nextAlias();
  const selectList = columns.length === 0 ? sql`1 AS ${sql.raw(quoteIdentifier("?column?"))}` : sql.join(columns.map((name) => column(alias, name)));
  const where = compileBoolExp(ctx, table, alias, granted.filter ?? {});
  const order = orderBy && table.columns.has(orderBy) ? sql` ORDER BY ${column(alias, orderBy)}` : sql``;
  const { rows } = await sql<Record<string, unknown>>`SELECT ${selectList} FROM ${fromTable(table, alias)} WHERE ${where}${order}`.execute(view.db);
  return { columns, rows };
}

/** Ids (or any one column) of the rows a filter allows, for counting and comparing. */
export async function allowedIds(view: RoleView, tableKey: string, action: "select" | "update" | "delete", idColumn = "id"): Promise<string[] | undefined> {
  const ctx = compileContext(view.model, view.session);
  const table = tableOf(ctx, tableKey);
  const granted = table.permissions[action].get(view.role);
  if (!granted) return undefined;
  if (!table.columns.has(idColumn)) throw new EvaluationError(`${tableKey} has no column ${idColumn}`);
  const alias = ctx.nextAlias();
  const { rows } = await sql<{ id: string }>`
    SELECT ${column(alias, idColumn)}::text AS id FROM ${fromTable(table, alias)}
    WHERE ${compileBoolExp(ctx, table, alias, granted.filter ?? {})} ORDER BY 1`.execute(view.db);
  return rows.map((r) => r.id);
}

export interface CheckResult {
  readonly allowed: boolean;
  readonly reason?: string;
}

/**
 * Whether an insert with these values — or an update setting them on `existing` — passes the
 * permission: only permitted columns may be given, and the resulting row must satisfy `check`.
 */
export async function checkAllows(
  view: RoleView,
  tableKey: string,
  action: "insert" | "update",
  values: Readonly<Record<string, unknown>>,
  existing: Readonly<Record<string, unknown>> = {},
): Promise<CheckResult> {
  const ctx = compileContext(view.model, view.session);
  const table = tableOf(ctx, tableKey);
  const granted = table.permissions[action].get(view.role);
  if (!granted) return { allowed: false, reason: `role ${view.role} has no ${action} permission on ${tableKey}` };
  const allowedColumns = new Set(permittedColumns(table, granted.columns ?? (action === "insert" ? "*" : undefined)));
  const outside = Object.keys(values).filter((name) => !allowedColumns.has(name));
  if (outside.length > 0) return { allowed: false, reason: `column(s) ${outside.join(", ")} are not permitted for ${action}` };
  for (const name of Object.keys(values)) if (!table.columns.has(name)) throw new EvaluationError(`${tableKey} has no column ${name}`);
  const alias = ctx.nextAlias();
  // The candidate row as a one-row derived table with the table's columns and types.
  const candidate = sql.join(
    [...table.columns].map(([name, type]) => {
      const value = name in values ? values[name] : existing[name];
      const literal = value === undefined || value === null ? sql`NULL` : sql`${typeof value === "object" ? JSON.stringify(value) : String(value)}`;
      return sql`CAST(${literal} AS ${sql.raw(type)}) AS ${sql.raw(quoteIdentifier(name))}`;
    }),
  );
  const check = compileBoolExp(ctx, table, alias, granted.check ?? {});
  const { rows } = await sql<{ allowed: boolean | null }>`SELECT ${check} AS allowed FROM (SELECT ${candidate}) AS ${sql.raw(quoteIdentifier(alias))}`.execute(view.db);
  return rows[0]?.allowed === true ? { allowed: true } : { allowed: false, reason: "the check does not accept these values" };
}
