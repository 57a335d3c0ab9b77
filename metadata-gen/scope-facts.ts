// What compiling an expression yields besides the Hasura expression itself: the facts the lints
// judge (scoped, guarded by which actions), how they combine under AND and OR, and the context
// every part of the compiler shares.

import type { Columns } from "./columns";
import type { Graph } from "./paths";
import type { Action, RoleRule } from "./policy-roles";
import type { ProblemList } from "./problems";

export type BoolExp = Record<string, unknown>;

export interface Compiled {
  readonly exp: BoolExp;
  /** Every row it admits is tied to the token (P, the token variable, a grant variable) or declared global. */
  readonly scoped: boolean;
  /** Actions whose grant variables constrain every branch. */
  readonly guards: ReadonlySet<Action>;
  /** The whole filter is `global` (or `{}`). */
  readonly global: boolean;
}

export interface ScopeContext {
  readonly graph: Graph;
  readonly columns: Columns;
  readonly tracked: ReadonlySet<string>;
  readonly projectTable: string;
  readonly accessRelationship: string;
  readonly tokenVariable: string;
  readonly role: RoleRule;
  readonly problems: ProblemList;
  /** Session variables seen, with where (the lints judge them per role kind). */
  readonly variables: Array<{ readonly name: string; readonly path: string }>;
  /** `table.relationship` of every relationship a path walked (verified against the database). */
  readonly walked: Set<string>;
}

export const NONE: ReadonlySet<Action> = new Set();
export const FALSE: Omit<Compiled, "exp"> = { scoped: false, guards: NONE, global: false };

export function and(items: readonly Compiled[]): Omit<Compiled, "exp"> {
  const guards = new Set<Action>();
  for (const item of items) item.guards.forEach((g) => guards.add(g));
  return { scoped: items.some((i) => i.scoped), guards, global: false };
}

export function or(items: readonly Compiled[]): Omit<Compiled, "exp"> {
  const [first, ...rest] = items;
  const guards = new Set([...(first?.guards ?? [])].filter((g) => rest.every((r) => r.guards.has(g))));
  return { scoped: items.every((i) => i.scoped), guards, global: false };
}

// A part already reported counts as scoped and guarded, so one mistake gives one message rather
// than a cascade of lint failures (nothing is written while any problem remains).
export const ALL: ReadonlySet<Action> = new Set<Action>(["select", "insert", "update", "delete"]);

export function fail(ctx: ScopeContext, path: string, message: string): Compiled {
  ctx.problems.add(path, message);
  return { exp: {}, scoped: true, guards: ALL, global: false };
}
