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
  const operatorMap = isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith("_"));
  if (!known.names.has(name)) {
    if (known.complete || !operatorMap) {
      const rels = [...(ctx.graph.get(table)?.keys() ?? [])].sort();
      return fail(ctx, path, `no column or relationship ${JSON.stringify(name)} on ${table} (relationships: ${listing(rels)})`);
    }
    ctx.problems.unverified.add(`${table}.${name}`);
  }
  if (!operatorMap) return variableFacts(ctx, value, path, "_eq", value);
  const parts: Array<Omit<Compiled, "exp">> = [];
  for (const [op, operand] of Object.entries(value)) {
    const at = joinPath(path, op);
    if (!OPERATORS.has(op)) parts.push(fail(ctx, at, `unknown operator ${op}`));
    else if (COLUMN_COMPARISON.has(op)) parts.push(compareColumns(ctx, operand, at, table));
    else parts.push(variableFacts(ctx, operand, at, op, operand));
  }
  return { exp: value as BoolExp, ...and(parts.map((p) => ({ exp: {}, ...p }))) };
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

