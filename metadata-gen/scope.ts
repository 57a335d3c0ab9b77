// Turns one policy expression into a Hasura boolean expression, checking every relationship and
// column against the graph, and works out what the lints need: whether every branch is tied to the
// token's grants ("scoped"), which mutation grant variables guard every branch, and where session
// variables appear. Grammar (docs/policy.md): P(path) / P(*) / P(), `global`, `_and`, `_or`,
// `_not`, `_exists`, `_global` (a branch readable by every token), relationships, column operators.

import { qualified, tableName } from "./metadata";
import { shortestObjectPath } from "./paths";
import { listing } from "./problems";
import { column } from "./scope-columns";
import { and, fail, FALSE, NONE, or, type BoolExp, type Compiled, type ScopeContext } from "./scope-facts";
import { isPlainObject, joinPath } from "./yaml-source";

export type { BoolExp, Compiled, ScopeContext } from "./scope-facts";

// Inside [...] or {...} YAML splits a plain scalar at each comma, so `P(a, b)` arrives in pieces.
const FLOW_COMMA = "a P(...) path was split at a comma: inside [...] or {...} write it with dots, P(a.b), or quote it";

export function compileFilter(ctx: ScopeContext, raw: unknown, path: string, table: string): Compiled {
  if (raw === "global" || (isPlainObject(raw) && Object.keys(raw).length === 0)) return { exp: {}, scoped: true, guards: NONE, global: true };
  return compile(ctx, raw, path, table);
}

function compile(ctx: ScopeContext, raw: unknown, path: string, table: string): Compiled {
  if (typeof raw === "string" && /^P\(.*\)$/s.test(raw.trim())) return projectScope(ctx, raw.trim().slice(2, -1).trim(), path, table);
  if (raw === "global") return fail(ctx, path, "`global` stands for a whole filter; for one branch readable by every token use {_global: <expression>}");
  if (typeof raw === "string" && (/^P\(/.test(raw.trim()) || /\)$/.test(raw.trim()))) return fail(ctx, path, FLOW_COMMA);
  if (!isPlainObject(raw)) return fail(ctx, path, `expected P(...), global, or a mapping (a boolean expression), not ${JSON.stringify(raw)}`);
  const keys = Object.keys(raw).sort();
  if (keys.length === 0) return { exp: {}, ...FALSE };
  if (keys.includes("_global")) {
    if (keys.length > 1) return fail(ctx, path, "_global must be the only key of its mapping");
    const inner = compile(ctx, raw._global, joinPath(path, "_global"), table);
    return { exp: inner.exp, scoped: true, guards: NONE, global: false };
  }
  const parts: Array<{ key: string; compiled: Compiled }> = [];
  for (const key of keys) {
    const value = raw[key];
    const at = joinPath(path, key);
    if (key === "_and" || key === "_or") parts.push({ key, compiled: combine(ctx, key, value, at, table) });
    else if (key === "_not") {
      const inner = compile(ctx, value, at, table);
      parts.push({ key, compiled: { exp: inner.exp, ...FALSE } });
    } else if (key === "_exists") parts.push({ key, compiled: exists(ctx, value, at) });
    else if (key.endsWith(")")) parts.push({ key, compiled: fail(ctx, at, FLOW_COMMA) });
    else if (key.startsWith("_")) parts.push({ key, compiled: fail(ctx, at, `unknown key ${key} in a boolean expression (operators such as _eq go under a column)`) });
    else if (ctx.graph.get(table)?.has(key)) parts.push({ key, compiled: relationship(ctx, key, value, at, table) });
    else parts.push({ key, compiled: column(ctx, key, value, at, table) });
  }
  const exp: BoolExp = {};
  for (const { key, compiled } of parts) exp[key] = compiled.exp;
  return { exp, ...and(parts.map((p) => p.compiled)) };
}

function combine(ctx: ScopeContext, key: "_and" | "_or", value: unknown, path: string, table: string): Compiled {
  if (!Array.isArray(value) || value.length === 0) return fail(ctx, path, `${key} takes a non-empty list of expressions`);
  const items = value.map((item, i) => compile(ctx, item, joinPath(path, i), table));
  const facts = key === "_and" ? and(items) : or(items);
  return { exp: items.map((i) => i.exp) as unknown as BoolExp, ...facts };
}

function exists(ctx: ScopeContext, value: unknown, path: string): Compiled {
  if (!isPlainObject(value) || Object.keys(value).sort().join(",") !== "_table,_where") return fail(ctx, path, "_exists takes {_table: <table>, _where: <expression>}");
  const target = tableName(value._table);
  if (!target || !ctx.tracked.has(qualified(target))) return fail(ctx, joinPath(path, "_table"), `${JSON.stringify(value._table)} is not a tracked table`);
  const where = compile(ctx, value._where, joinPath(path, "_where"), qualified(target));
  // Not tied to the row: an _exists is true or false for the whole table at once.
  return { exp: { _table: { name: target.name, schema: target.schema }, _where: where.exp }, ...FALSE };
}

function relationship(ctx: ScopeContext, name: string, value: unknown, path: string, table: string): Compiled {
  const rel = ctx.graph.get(table)?.get(name);
  ctx.walked.add(`${table}.${name}`);
  if (!rel?.target) return fail(ctx, path, unknownTarget(table, name));
  return compile(ctx, value, path, rel.target);
}

function projectScope(ctx: ScopeContext, inside: string, path: string, table: string): Compiled {
  if (ctx.role.kind !== "service") return fail(ctx, path, `P(...) scopes rows by the service token; role ${ctx.role.name} is of kind ${ctx.role.kind}, which has no token`);
  let steps: string[];
  if (inside === "*") {
    const found = shortestObjectPath(ctx.graph, table, ctx.projectTable);
    if (!found.found) return fail(ctx, path, `P(*) from ${table}: ${found.reason}`);
    steps = [...found.path];
  } else steps = inside === "" ? [] : inside.split(/[,.]/).map((s) => s.trim());
  let current = table;
  for (const step of steps) {
    const rel = ctx.graph.get(current)?.get(step);
    if (!rel) return fail(ctx, path, `no relationship ${JSON.stringify(step)} on ${current} (it has: ${listing([...(ctx.graph.get(current)?.keys() ?? [])].sort())})`);
    ctx.walked.add(`${current}.${step}`);
    if (!rel.target) return fail(ctx, path, unknownTarget(current, step));
    current = rel.target;
  }
  if (current !== ctx.projectTable) return fail(ctx, path, `the path ${steps.join(".") || "(empty)"} ends at ${current}, not at the project table ${ctx.projectTable}`);
  ctx.variables.push({ name: ctx.tokenVariable, path });
  let exp: BoolExp = { [ctx.accessRelationship]: { token_id: { _eq: ctx.tokenVariable } } };
  for (const step of [...steps].reverse()) exp = { [step]: exp };
  return { exp, scoped: true, guards: NONE, global: false };
}

function unknownTarget(table: string, name: string): string {
  return `relationship ${name} of ${table} follows a foreign key of ${table} and the metadata does not say which table it reaches; declare it under relationship_targets as "${table}.${name}: <table>"`;
}

