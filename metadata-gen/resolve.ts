// Checks the policy against the metadata (and the database, when one is at hand) and resolves it
// into plain permission data per role and table: compiled filters, column lists, root fields.
// Every problem goes to the policy's problem list; the caller writes nothing while there is one.

import { Columns } from "./columns";
import type { Catalog } from "./introspect";
import { lintMutation, lintSelect, lintSensitive, lintVariables, sensitiveMatcher, type SensitiveMatcher } from "./lints";
import { qualified, type MetadataDir } from "./metadata";
import { buildGraph, type Graph, type Relationship } from "./paths";
import type { ColumnSpec, Policy, RoleRule, TableRule } from "./policy";
import { listing, type ProblemList } from "./problems";
import { compileFilter, type BoolExp, type ScopeContext } from "./scope";
import { checkMembership } from "./resolve-membership";
import { VIEW_COLUMNS, VIEW_PROJECT_RELATIONSHIP } from "./render/view-table";


export type ResolvedColumns = "*" | readonly string[];

export interface ResolvedTable {
  select?: { columns: ResolvedColumns; filter: BoolExp; limit?: number; allowAggregations: boolean; rootFields?: readonly string[] };
  insert?: { check: BoolExp; columns: ResolvedColumns };
  update?: { columns: ResolvedColumns; filter: BoolExp; check: BoolExp };
  delete?: { filter: BoolExp };
}

export interface Resolved {
  /** Role name → table (`schema.name`) → its permissions; roles in policy order. */
  readonly roles: ReadonlyMap<string, ReadonlyMap<string, ResolvedTable>>;
  readonly graph: Graph;
}

export interface ResolveInput {
  readonly policy: Policy;
  readonly problems: ProblemList;
  readonly metadata: MetadataDir;
  readonly catalog: Catalog | undefined;
}

export function resolvePolicy({ policy, problems, metadata, catalog }: ResolveInput): Resolved {
  const projectTable = qualified(policy.project.table);
  const view = qualified(policy.access.view);
  if (policy.project.table.name !== "" && !metadata.tables.has(projectTable)) problems.add("project.table", `${projectTable} is not tracked in ${metadata.tablesFile}`);
  const generated: Relationship[] = [
    { name: policy.access.relationship, kind: "array", from: projectTable, target: view, source: "metadata" },
    { name: VIEW_PROJECT_RELATIONSHIP, kind: "object", from: view, target: projectTable, source: "metadata" },
  ];
  const targets = new Map([...policy.relationshipTargets].map(([k, v]) => [k, v.value]));
  const metadataGraph = buildGraph(metadata, [], new Map());
  checkTargets(policy, problems, metadataGraph, metadata);
  const graph = buildGraph(metadata, generated, targets);
  const tracked = new Set([...metadata.tables.keys(), view]);
  const owned = new Set(policy.roles.map((r) => r.name));
  const columns = new Columns(metadata, catalog, owned, new Map([[view, VIEW_COLUMNS]]));
  const matcher = sensitiveMatcher(policy.sensitive.add, policy.sensitive.allow);
  const walked = new Set<string>();
  const roles = new Map<string, Map<string, ResolvedTable>>();
  for (const role of policy.roles) {
    const ctx: ScopeContext = { graph, columns, tracked, projectTable, accessRelationship: policy.access.relationship, tokenVariable: policy.access.tokenVariable, role, problems, variables: [], walked };
    const tables = new Map<string, ResolvedTable>();
    for (const rule of role.tables) {
      const name = qualified(rule.table);
      if (!tracked.has(name)) {
        problems.add(rule.path, `table ${name} is not tracked in ${metadata.tablesFile}`);
        continue;
      }
      if (catalog && name !== view && !catalog.columns.has(name)) problems.add(rule.path, `table ${name} does not exist in the database`);
      if (tables.has(name)) problems.add(rule.path, `table ${name} has a second rule in role ${role.name}`);
      if (!rule.none) tables.set(name, resolveTable(ctx, rule, name, matcher));
    }
    lintVariables(problems, role, policy.access.tokenVariable, policy.anonymousRole, ctx.variables);
    if (role.coverAllTables) {
      const missing = [...tracked].filter((t) => !role.tables.some((r) => qualified(r.table) === t));
      if (missing.length > 0) problems.add(`${role.path}.tables`, `cover_all_tables: no rule for ${listing(missing.sort())} (give each a filter, or write \`none\`)`);
    }
    roles.set(role.name, tables);
  }
  checkMembership(policy, problems, columns, catalog, tracked);
  if (catalog) verifyForeignKeys(problems, graph, catalog, walked, policy);
  return { roles, graph };
}

function resolveTable(ctx: ScopeContext, rule: TableRule, table: string, matcher: SensitiveMatcher): ResolvedTable {
  const { problems, role } = ctx;
  const result: ResolvedTable = {};
  if (rule.select) {
    const s = rule.select;
    const filter = compileFilter(ctx, s.filter.raw, s.filter.path, table);
    lintSelect(problems, role, filter, s.filter.path, { allow: s.allowAggregations, allowPath: `${rule.path}.allow_aggregations`, rootFields: s.rootFields, rootPath: `${rule.path}.root_fields` });
    result.select = { columns: columnsFor(ctx, s.columns, s.columnsPath, table, matcher, "exposes"), filter: filter.exp, allowAggregations: s.allowAggregations };
    if (s.limit !== undefined) result.select.limit = s.limit;
    if (s.rootFields !== undefined) result.select.rootFields = [...s.rootFields];
  }
  if (rule.insert) {
    const check = compileFilter(ctx, rule.insert.check.raw, rule.insert.check.path, table);
    lintMutation(problems, role, "insert", check, rule.insert.check.path);
    result.insert = { check: check.exp, columns: columnsFor(ctx, rule.insert.columns, rule.insert.columnsPath, table, matcher, "lets insert write") };
  }
  if (rule.update) {
    const filter = compileFilter(ctx, rule.update.filter.raw, rule.update.filter.path, table);
    const check = compileFilter(ctx, rule.update.check.raw, rule.update.check.path, table);
    lintMutation(problems, role, "update", filter, rule.update.filter.path);
    lintMutation(problems, role, "update", check, rule.update.check.path);
    result.update = { columns: columnsFor(ctx, rule.update.columns, rule.update.columnsPath, table, matcher, "lets update write"), filter: filter.exp, check: check.exp };
  }
  if (rule.delete) {
    const filter = compileFilter(ctx, rule.delete.filter.raw, rule.delete.filter.path, table);
    lintMutation(problems, role, "delete", filter, rule.delete.filter.path);
    result.delete = { filter: filter.exp };
  }
  return result;
}

function columnsFor(ctx: ScopeContext, spec: ColumnSpec, path: string, table: string, matcher: SensitiveMatcher, what: string): ResolvedColumns {
  const known = ctx.columns.of(table);
  if (spec.kind === "all") {
    if (!known.complete) ctx.problems.unverified.add(`${table}.*`);
    lintSensitive(ctx.problems, matcher, table, [...new Set([...known.names, ...matcher.literalFor(table)])].sort(), path, `all columns (${"'*'"}) ${what === "exposes" ? "expose" : "include"}`);
    return "*";
  }
  const missing = new Set<string>();
  for (const column of spec.columns) {
    if (known.names.has(column)) continue;
    if (!known.complete) ctx.problems.unverified.add(`${table}.${column}`);
    else {
      ctx.problems.add(path, `no column ${JSON.stringify(column)} on ${table}`);
      missing.add(column);
    }
  }
  if (spec.kind === "except") {
    if (!known.complete) {
      ctx.problems.add(path, `{except: [...]} needs every column of ${table}, which only the database knows: set DATABASE_URL, or list the columns`);
      return [];
    }
    const kept = [...known.names].filter((c) => !spec.columns.includes(c)).sort();
    lintSensitive(ctx.problems, matcher, table, kept, path, what);
    return kept;
  }
  lintSensitive(ctx.problems, matcher, table, spec.columns.filter((c) => !missing.has(c)), path, what);
  return [...spec.columns].sort();
}

/** relationship_targets may only fill in what the metadata cannot say, never contradict it. */
function checkTargets(policy: Policy, problems: ProblemList, graph: Graph, metadata: MetadataDir): void {
  for (const [key, { value, path }] of policy.relationshipTargets) {
    const cut = key.lastIndexOf(".");
    const table = key.slice(0, cut);
    const rel = graph.get(table)?.get(key.slice(cut + 1));
    if (!rel) problems.add(path, `no relationship ${key.slice(cut + 1)} on ${table} in the metadata`);
    else if (rel.target !== undefined && rel.target !== value) problems.add(path, `the metadata says ${key} points to ${rel.target}, not ${value}`);
    if (!metadata.tables.has(value)) problems.add(path, `${value} is not tracked in ${metadata.tablesFile}`);
  }
}

/** Targets inferred from the metadata (or declared) must be what the database's foreign keys say. */
function verifyForeignKeys(problems: ProblemList, graph: Graph, catalog: Catalog, walked: ReadonlySet<string>, policy: Policy): void {
  for (const id of [...walked].sort()) {
    const cut = id.lastIndexOf(".");
    const rel = graph.get(id.slice(0, cut))?.get(id.slice(cut + 1));
    if (!rel?.localColumns || rel.target === undefined) continue;
    const fk = catalog.foreignKeys.find((f) => f.table === rel.from && f.columns.join(",") === rel.localColumns?.join(","));
    const where = policy.relationshipTargets.get(id)?.path ?? "roles";
    if (!fk) problems.add(where, `relationship ${id} follows ${rel.localColumns.join(", ")}, which is not a foreign key in the database`);
    else if (fk.target !== rel.target) problems.add(where, `relationship ${id} reaches ${fk.target} in the database, but the ${rel.source === "policy" ? "policy declares" : "metadata implies"} ${rel.target}`);
  }
}

export type { RoleRule };
