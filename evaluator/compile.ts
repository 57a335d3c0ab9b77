// Compiles a Hasura permission boolean expression into SQL over the real database, the way
// Hasura's Postgres backend reads it: an object's keys are AND-ed; `_and`/`_or`/`_not`/`_exists`
// (and their `$` forms); a relationship key nests an expression on the remote table (an EXISTS
// over the join); a column key takes an operator object (or a bare value, meaning `_eq`).
// Values are literals of the column's type or session-variable names, cast to the column's type
// ("{1,2}" array literals for _in/_nin). Anything else is an EvaluationError naming it — an
// expression the evaluator does not understand is never treated as true.

import { sql, type RawBuilder } from "kysely";
import { quoteIdentifier, quoteQualified } from "../webhook/db/identifiers";
import { EvaluationError } from "./errors";
import { isObject, type SourceModel, type TableModel } from "./model";

export type SessionVariables = Readonly<Record<string, string>>;

export interface CompileContext {
  readonly model: SourceModel;
  readonly session: SessionVariables;
  /** Hands out fresh table aliases (t0, t1, ...). */
  nextAlias(): string;
}

type Sql = RawBuilder<unknown>;

const COMPARISONS: Record<string, string> = { _eq: "=", _neq: "<>", _ne: "<>", _gt: ">", _lt: "<", _gte: ">=", _lte: "<=" };
const SUPPORTED = ["_eq", "_neq", "_ne", "_gt", "_lt", "_gte", "_lte", "_in", "_nin", "_is_null"];

export function compileContext(model: SourceModel, session: SessionVariables): CompileContext {
  let counter = 0;
  return { model, session, nextAlias: () => `t${counter++}` };
}

export function tableOf(ctx: CompileContext, key: string): TableModel {
  const table = ctx.model.tables.get(key);
  if (!table) throw new EvaluationError(`table ${key} is not tracked in the metadata`);
  return table;
}

/** `FROM "schema"."table" AS alias`. */
export function fromTable(table: TableModel, alias: string): Sql {
  return sql.raw(`${quoteQualified(table.schema, table.name)} AS ${quoteIdentifier(alias)}`);
}

export function column(alias: string, name: string): Sql {
  return sql.raw(`${quoteIdentifier(alias)}.${quoteIdentifier(name)}`);
}

export function compileBoolExp(ctx: CompileContext, table: TableModel, alias: string, expression: unknown): Sql {
  if (!isObject(expression)) throw new EvaluationError(`${table.key}: a boolean expression must be an object, got ${JSON.stringify(expression)}`);
  const parts = Object.entries(expression).map(([key, value]) => compileKey(ctx, table, alias, key, value));
  return parts.length === 0 ? sql`TRUE` : sql`(${sql.join(parts, sql` AND `)})`;
}

function compileKey(ctx: CompileContext, table: TableModel, alias: string, key: string, value: unknown): Sql {
  const logical = key.startsWith("$") ? `_${key.slice(1)}` : key;
  switch (logical) {
    case "_and":
    case "_or": {
      if (!Array.isArray(value)) throw new EvaluationError(`${table.key}: ${key} takes a list of expressions`);
      if (value.length === 0) return logical === "_and" ? sql`TRUE` : sql`FALSE`;
      const parts = value.map((inner) => compileBoolExp(ctx, table, alias, inner));
      return sql`(${sql.join(parts, logical === "_and" ? sql` AND ` : sql` OR `)})`;
    }
    case "_not":
      return sql`(NOT ${compileBoolExp(ctx, table, alias, value)})`;
    case "_exists":
      return compileExists(ctx, table, value);
  }
  if (key.startsWith("_") || key.startsWith("$")) throw new EvaluationError(`${table.key}: unsupported operator ${key}`);
  const relationship = table.relationships.get(key);
  if (relationship) {
    const target = tableOf(ctx, relationship.target);
    const inner = ctx.nextAlias();
    const join = relationship.pairs.map(([local, remote]) => sql`${column(alias, local)} = ${column(inner, remote)}`);
    return sql`EXISTS (SELECT 1 FROM ${fromTable(target, inner)} WHERE ${sql.join(join, sql` AND `)} AND ${compileBoolExp(ctx, target, inner, value)})`;
  }
  const type = table.columns.get(key);
  if (type === undefined) throw new EvaluationError(`${table.key}: ${key} is neither a column nor a relationship`);
  if (!isObject(value)) return compileOperator(ctx, table, alias, key, type, "_eq", value);
  const operators = Object.entries(value);
  if (operators.length === 0) return sql`TRUE`;
  return sql`(${sql.join(operators.map(([operator, operand]) => compileOperator(ctx, table, alias, key, type, operator, operand)), sql` AND `)})`;
}

function compileExists(ctx: CompileContext, table: TableModel, value: unknown): Sql {
  if (!isObject(value) || !isObject(value._table)) throw new EvaluationError(`${table.key}: _exists needs {_table: {name, schema}, _where: ...}`);
  const name = value._table.name;
  const schema = value._table.schema ?? "public";
  if (typeof name !== "string" || typeof schema !== "string") throw new EvaluationError(`${table.key}: _exists._table must name a table`);
  const target = tableOf(ctx, `${schema}.${name}`);
  const inner = ctx.nextAlias();
  return sql`EXISTS (SELECT 1 FROM ${fromTable(target, inner)} WHERE ${compileBoolExp(ctx, target, inner, value._where ?? {})})`;
}

function compileOperator(ctx: CompileContext, table: TableModel, alias: string, name: string, type: string, rawOperator: string, operand: unknown): Sql {
  const operator = rawOperator.startsWith("$") ? `_${rawOperator.slice(1)}` : rawOperator;
  const target = column(alias, name);
  if (!SUPPORTED.includes(operator)) throw new EvaluationError(`${table.key}.${name}: unsupported operator ${rawOperator}`);
  if (operator === "_is_null") {
    if (typeof operand !== "boolean") throw new EvaluationError(`${table.key}.${name}: _is_null takes true or false`);
    return operand ? sql`${target} IS NULL` : sql`${target} IS NOT NULL`;
  }
  if (operator === "_in" || operator === "_nin") {
    // Plain three-valued SQL, as Hasura generates it: a NULL column matches neither _in nor _nin.
    const test = sql`${target} = ANY(${listOperand(ctx, table, name, type, operand)})`;
    return operator === "_in" ? test : sql`NOT (${test})`;
  }
  return sql`${target} ${sql.raw(COMPARISONS[operator] as string)} ${scalarOperand(ctx, table, name, type, operand)}`;
}

/** A literal of the column's type, or a session variable cast to it. */
function scalarOperand(ctx: CompileContext, table: TableModel, name: string, type: string, operand: unknown): Sql {
  if (operand === null || typeof operand === "object") {
    throw new EvaluationError(`${table.key}.${name}: comparing with ${JSON.stringify(operand)} is not supported (use _is_null, or a scalar)`);
  }
  const text = isSessionVariable(operand) ? sessionValue(ctx, operand) : String(operand);
  return sql`CAST(${text} AS ${sql.raw(type)})`;
}

/** A JSON list of literals, or one session variable holding a Postgres array literal. */
function listOperand(ctx: CompileContext, table: TableModel, name: string, type: string, operand: unknown): Sql {
  if (isSessionVariable(operand)) return sql`CAST(${sessionValue(ctx, operand)} AS ${sql.raw(`${type}[]`)})`;
  if (!Array.isArray(operand)) throw new EvaluationError(`${table.key}.${name}: _in/_nin take a list or a session variable`);
  if (operand.some((item) => item === null || typeof item === "object" || isSessionVariable(item))) {
    throw new EvaluationError(`${table.key}.${name}: _in/_nin lists hold literals only (Hasura does not allow session variables inside a list)`);
  }
  if (operand.length === 0) return sql`CAST(ARRAY[] AS ${sql.raw(`${type}[]`)})`;
  return sql`ARRAY[${sql.join(operand.map((item) => sql`CAST(${String(item)} AS ${sql.raw(type)})`))}]`;
}

/** Hasura reads any string starting with x-hasura- (any case), and REQ_USER_ID, as a session variable. */
export function isSessionVariable(value: unknown): value is string {
  return typeof value === "string" && (value.toLowerCase().startsWith("x-hasura-") || value.toUpperCase() === "REQ_USER_ID");
}

function sessionValue(ctx: CompileContext, name: string): string {
  const wanted = name.toUpperCase() === "REQ_USER_ID" ? "x-hasura-user-id" : name.toLowerCase();
  const found = Object.entries(ctx.session).find(([key]) => key.toLowerCase() === wanted);
  if (!found) throw new EvaluationError(`the permission uses session variable ${name}, which the webhook's answer does not carry (Hasura rejects the request)`);
  return found[1];
}
