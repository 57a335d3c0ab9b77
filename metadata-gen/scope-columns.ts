// Column keys of a boolean expression: the column must exist (as far as is known), operators must
// be Hasura's, and `_eq`/`_in` against the token or a grant variable is what ties a row to a token.

import { isSessionVariable } from "./policy-fields";
import type { Action } from "./policy-roles";
import { listing } from "./problems";
import { and, fail, FALSE, type Compiled, type BoolExp, type ScopeContext } from "./scope-facts";
import { isPlainObject, joinPath } from "./yaml-source";

// Hasura's Postgres operators (parseBoolExpOperations): comparison, text, jsonb, PostGIS, ltree,
// _cast and column comparison.
const OPERATORS = new Set(
  "_eq _ne _neq _gt _lt _gte _lte _in _nin _is_null _like _nlike _ilike _nilike _similar _nsimilar _regex _iregex _nregex _niregex _contains _contained_in _has_key _has_keys_any _has_keys_all _st_contains _st_crosses _st_equals _st_overlaps _st_touches _st_within _st_intersects _st_3d_intersects _st_d_within _st_3d_d_within _ancestor _ancestor_any _descendant _descendant_any _matches _matches_any _matches_fulltext _cast _ceq _cne _cneq _cgt _clt _cgte _clte".split(" "),
);
const COLUMN_COMPARISON = new Set(["_ceq", "_cne", "_cneq", "_cgt", "_clt", "_cgte", "_clte"]);

export function column(ctx: ScopeContext, name: string, value: unknown, path: string, table: string): Compiled {
  const known = ctx.columns.of(table);
  // Hasura reads any mapping under a column as operators (a scalar is shorthand for _eq), so every
  // key of one is checked: a typo or an unknown operator must not pass as a value unexamined. An
  // unknown name whose keys do not even look like operators is more likely a misspelt relationship.
  const operatorMap = isPlainObject(value);
  const looksLikeOperators = operatorMap && Object.keys(value).every((k) => k.startsWith("_") || k.startsWith("$"));
  if (!known.names.has(name)) {
    if (known.complete || !looksLikeOperators) {
      const rels = [...(ctx.graph.get(table)?.keys() ?? [])].sort();
      return fail(ctx, path, `no column or relationship ${JSON.stringify(name)} on ${table} (relationships: ${listing(rels)})`);
    }
    ctx.problems.unverified.add(`${table}.${name}`);
  }
  if (!operatorMap) return variableFacts(ctx, value, path, "_eq", value);
  if (Object.keys(value).length === 0) return fail(ctx, path, "an empty operator map compares with nothing");
  return { exp: value as BoolExp, ...operators(ctx, value, path, table) };
}

function operators(ctx: ScopeContext, map: Record<string, unknown>, path: string, table: string): Omit<Compiled, "exp"> {
  const parts: Array<Omit<Compiled, "exp">> = [];
  for (const [key, operand] of Object.entries(map)) {
    const at = joinPath(path, key);
    // Hasura accepts $eq for _eq (and so on): the same operator, checked the same way.
    const op = key.startsWith("$") ? `_${key.slice(1)}` : key;
    if (!OPERATORS.has(op)) parts.push(fail(ctx, at, `unknown operator ${key}`));
    else if (COLUMN_COMPARISON.has(op)) parts.push(compareColumns(ctx, operand, at, table));
    else if (op === "_cast") parts.push(castOperand(ctx, operand, at, table));
    else parts.push(variableFacts(ctx, operand, at, op, operand));
  }
  return and(parts.map((p) => ({ exp: {}, ...p })));
}

/** `_cast: {<type>: {<op>: value}}` compares the cast column: its operands are checked like any, but never scope a row. */
function castOperand(ctx: ScopeContext, operand: unknown, path: string, table: string): Omit<Compiled, "exp"> {
  if (!isPlainObject(operand) || Object.keys(operand).length === 0) return fail(ctx, path, "_cast takes {<type>: {<operator>: <value>}}");
  for (const [type, inner] of Object.entries(operand)) {
    const at = joinPath(path, type);
    if (!isPlainObject(inner) || Object.keys(inner).length === 0) ctx.problems.add(at, "_cast takes {<type>: {<operator>: <value>}}");
    else operators(ctx, inner, at, table);
  }
  return FALSE;
}

/** `_eq`/`_in` against the token or a grant variable ties the row to the token's grants. */
function variableFacts(ctx: ScopeContext, operand: unknown, path: string, op: string, exp: unknown): Compiled {
  const values = Array.isArray(operand) ? operand : [operand];
  values.forEach((v, i) => {
    if (isSessionVariable(v)) ctx.variables.push({ name: v, path: Array.isArray(operand) ? joinPath(path, i) : path });
  });
  if ((op !== "_eq" && op !== "_in") || !isSessionVariable(operand)) return { exp: exp as BoolExp, ...FALSE };
  const name = operand.toLowerCase();
  const guards = new Set<Action>();
  for (const [action, variables] of Object.entries(ctx.role.grantVariables) as Array<[Action, readonly string[]]>) {
    if (variables.some((v) => v.toLowerCase() === name)) guards.add(action);
  }
  const scoped = ctx.role.kind === "service" && (guards.size > 0 || name === ctx.tokenVariable.toLowerCase());
  return { exp: exp as BoolExp, scoped, guards, global: false };
}

function compareColumns(ctx: ScopeContext, operand: unknown, path: string, table: string): Omit<Compiled, "exp"> {
  const ref = typeof operand === "string" ? [operand] : Array.isArray(operand) ? operand : undefined;
  const name = ref?.[ref.length - 1];
  if (!ref || ref.length > 2 || typeof name !== "string" || (ref.length === 2 && ref[0] !== "$")) {
    ctx.problems.add(path, 'compares with a column: "col", ["col"] or ["$", "col"] (a column of the root table)');
  } else if (ref.length === 1 && ctx.columns.of(table).complete && !ctx.columns.of(table).names.has(name)) {
    ctx.problems.add(path, `no column ${JSON.stringify(name)} on ${table}`);
  }
  return FALSE;
}

