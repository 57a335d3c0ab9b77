// The relationship graph of the tracked tables, built from the metadata alone (so the output never
// depends on whether a database is reachable), and the shortest object-relationship path from a
// table to the project table. An object relationship on a local foreign key names only the column;
// its target is the table whose array relationship points back at that column, or a target the
// policy declares. When a database is at hand its foreign keys verify those targets (check.ts).

import type { MetadataDir, QualifiedName } from "./metadata";
import { qualified, tableName } from "./metadata";
import { isPlainObject } from "./yaml-source";

export interface Relationship {
  readonly name: string;
  readonly kind: "object" | "array";
  readonly from: string;
  /** `schema.name` of the remote table; undefined when the metadata alone cannot tell. */
  readonly target: string | undefined;
  /** For an object relationship on local FK column(s): those columns. */
  readonly localColumns?: readonly string[];
  /** How the target was found: named in the metadata, inferred from a reverse relationship, or declared in the policy. */
  readonly source: "metadata" | "reverse" | "policy" | "unknown";
}

export type Graph = ReadonlyMap<string, ReadonlyMap<string, Relationship>>;

interface RemoteRef {
  readonly table: QualifiedName;
  readonly columns: string[];
}

function remoteFk(value: unknown): RemoteRef | undefined {
  if (!isPlainObject(value)) return undefined;
  const table = tableName(value.table);
  const columns = typeof value.column === "string" ? [value.column] : Array.isArray(value.columns) ? value.columns.map(String) : undefined;
  return table && columns ? { table, columns } : undefined;
}

function manualTarget(value: unknown): QualifiedName | undefined {
  return isPlainObject(value) ? tableName(value.remote_table) : undefined;
}

function relationshipsOf(doc: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const list = doc[key];
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
}

/**
 * `extra` adds relationships the generator itself writes (project → access view and back);
 * `declared` maps `schema.table.relationship` to a target table for local-FK relationships.
 */
export function buildGraph(metadata: MetadataDir, extra: readonly Relationship[], declared: ReadonlyMap<string, string>): Graph {
  // Which table each (table, FK columns) pair points to, learned from array relationships
  // (and remote-FK object relationships) that name the referencing table and columns.
  const reverse = new Map<string, Set<string>>();
  for (const [name, entry] of metadata.tables) {
    for (const key of ["array_relationships", "object_relationships"]) {
      for (const rel of relationshipsOf(entry.doc, key)) {
        const using = isPlainObject(rel.using) ? rel.using : {};
        const fk = remoteFk(using.foreign_key_constraint_on);
        if (!fk) continue;
        const id = `${qualified(fk.table)}|${fk.columns.join(",")}`;
        reverse.set(id, (reverse.get(id) ?? new Set()).add(name));
      }
    }
  }
  const graph = new Map<string, Map<string, Relationship>>();
  for (const [from, entry] of metadata.tables) {
    const rels = new Map<string, Relationship>();
    for (const [key, kind] of [["object_relationships", "object"], ["array_relationships", "array"]] as const) {
      for (const rel of relationshipsOf(entry.doc, key)) {
        if (typeof rel.name !== "string") continue;
        rels.set(rel.name, resolve(rel.name, kind, from, isPlainObject(rel.using) ? rel.using : {}, reverse, declared));
      }
    }
    graph.set(from, rels);
  }
  for (const rel of extra) {
    const rels = graph.get(rel.from) ?? new Map<string, Relationship>();
    rels.set(rel.name, rel);
    graph.set(rel.from, rels);
  }
  return graph;
}

function resolve(
  name: string,
  kind: "object" | "array",
  from: string,
  using: Record<string, unknown>,
  reverse: ReadonlyMap<string, ReadonlySet<string>>,
  declared: ReadonlyMap<string, string>,
): Relationship {
  const manual = manualTarget(using.manual_configuration);
  if (manual) return { name, kind, from, target: qualified(manual), source: "metadata" };
  const fk = using.foreign_key_constraint_on;
  const remote = remoteFk(fk);
  if (remote) return { name, kind, from, target: qualified(remote.table), source: "metadata" };
  const localColumns = typeof fk === "string" ? [fk] : Array.isArray(fk) ? fk.map(String) : undefined;
  const hint = declared.get(`${from}.${name}`);
  if (hint) return { name, kind, from, target: hint, localColumns, source: "policy" };
  const candidates = localColumns ? reverse.get(`${from}|${localColumns.join(",")}`) : undefined;
  if (candidates && candidates.size === 1) return { name, kind, from, target: [...candidates][0], localColumns, source: "reverse" };
  return { name, kind, from, target: undefined, localColumns, source: "unknown" };
}

export type PathSearch =
  | { readonly found: true; readonly path: readonly string[] }
  | { readonly found: false; readonly reason: string };

/**
 * Breadth-first over object relationships only (an array relationship would widen the scope to
 * "any related row"). Two shortest paths, or an unresolved relationship that might be shorter,
 * make the answer ambiguous: the policy must then write the path out.
 */
export function shortestObjectPath(graph: Graph, from: string, to: string): PathSearch {
  if (from === to) return { found: true, path: [] };
  let frontier: Array<{ table: string; path: string[] }> = [{ table: from, path: [] }];
  const seen = new Set([from]);
  while (frontier.length > 0) {
    const next: Array<{ table: string; path: string[] }> = [];
    const hits: string[][] = [];
    const unknown: string[] = [];
    for (const node of frontier) {
      const rels = [...(graph.get(node.table)?.values() ?? [])].filter((r) => r.kind === "object").sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const rel of rels) {
        const path = [...node.path, rel.name];
        if (rel.target === undefined) unknown.push(path.join("."));
        else if (rel.target === to) hits.push(path);
        else if (!seen.has(rel.target)) next.push({ table: rel.target, path });
      }
    }
    if (unknown.length > 0) {
      return { found: false, reason: `the target of ${unknown.join(", ")} is unknown, so the shortest path cannot be decided; declare it under relationship_targets or write the path out` };
    }
    if (hits.length > 1) return { found: false, reason: `ambiguous: ${hits.map((h) => h.join(".")).join(" and ")} are equally short; write the path out` };
    if (hits.length === 1) return { found: true, path: hits[0] as string[] };
    for (const n of next) seen.add(n.table);
    frontier = next;
  }
  return { found: false, reason: "no path of object relationships reaches the project table" };
}
