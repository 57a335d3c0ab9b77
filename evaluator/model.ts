// The evaluator's view of a Hasura source: each tracked table with its column types (from the
// database), its relationships resolved to join column pairs (foreign-key relationships through
// the database's constraints, manual ones from their column_mapping — views included), and its
// permissions by action and role, exactly as the metadata directory holds them.

import { readMetadata, qualified, tableName } from "../metadata-gen/metadata";
import type { DatabaseCatalog } from "./catalog";
import { EvaluationError } from "./errors";

export type Action = "select" | "insert" | "update" | "delete";

export interface ResolvedRelationship {
  readonly name: string;
  readonly kind: "object" | "array";
  readonly target: string;
  /** [column of this table, column of the target] pairs. */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
}

export interface TableModel {
  readonly key: string;
  readonly schema: string;
  readonly name: string;
  readonly columns: ReadonlyMap<string, string>;
  readonly relationships: ReadonlyMap<string, ResolvedRelationship>;
  readonly permissions: Readonly<Record<Action, ReadonlyMap<string, Record<string, unknown>>>>;
}

export interface SourceModel {
  readonly tables: ReadonlyMap<string, TableModel>;
}

type Doc = Record<string, unknown>;

export function buildModel(metadataRoot: string, source: string, catalog: DatabaseCatalog): SourceModel {
  const metadata = readMetadata(metadataRoot, source);
  const tables = new Map<string, TableModel>();
  for (const [key, entry] of metadata.tables) {
    const columns = catalog.columns.get(key);
    if (!columns) throw new EvaluationError(`the metadata tracks ${key}, which the database does not have`);
    const relationships = new Map<string, ResolvedRelationship>();
    for (const kind of ["object", "array"] as const) {
      for (const rel of list(entry.doc[`${kind}_relationships`])) {
        const resolved = resolveRelationship(key, kind, rel, catalog);
        relationships.set(resolved.name, resolved);
      }
    }
    const permissions = {} as Record<Action, Map<string, Doc>>;
    for (const action of ["select", "insert", "update", "delete"] as const) {
      const byRole = new Map<string, Doc>();
      for (const entryPermission of list(entry.doc[`${action}_permissions`])) {
        if (typeof entryPermission.role === "string" && isObject(entryPermission.permission)) byRole.set(entryPermission.role, entryPermission.permission);
      }
      permissions[action] = byRole;
    }
    tables.set(key, { key, schema: entry.table.schema, name: entry.table.name, columns, relationships, permissions });
  }
  return { tables };
}

function resolveRelationship(table: string, kind: "object" | "array", rel: Doc, catalog: DatabaseCatalog): ResolvedRelationship {
  const name = String(rel.name);
  const using = isObject(rel.using) ? rel.using : {};
  const where = `${table}.${name}`;
  if (isObject(using.manual_configuration)) {
    const manual = using.manual_configuration;
    const remote = tableName(manual.remote_table);
    if (!remote || !isObject(manual.column_mapping)) throw new EvaluationError(`relationship ${where}: unreadable manual_configuration`);
    const pairs = Object.entries(manual.column_mapping).map(([local, remoteColumn]) => [local, String(remoteColumn)] as const);
    return { name, kind, target: qualified(remote), pairs };
  }
  const fk = using.foreign_key_constraint_on;
  if (typeof fk === "string" || Array.isArray(fk)) {
    // Local foreign key column(s): the constraint on this table over exactly those columns.
    const localColumns = (typeof fk === "string" ? [fk] : fk.map(String)).join(",");
    const constraint = catalog.foreignKeys.find((k) => k.table === table && k.pairs.map(([l]) => l).join(",") === localColumns);
    if (!constraint) throw new EvaluationError(`relationship ${where}: no foreign key on ${table}(${localColumns})`);
    return { name, kind, target: constraint.target, pairs: constraint.pairs };
  }
  if (isObject(fk)) {
    // Foreign key on the remote table pointing here: join our referenced columns to its columns.
    const remote = tableName(fk.table);
    const columns = typeof fk.column === "string" ? [fk.column] : Array.isArray(fk.columns) ? fk.columns.map(String) : [];
    if (!remote) throw new EvaluationError(`relationship ${where}: unreadable foreign_key_constraint_on`);
    const target = qualified(remote);
    const constraint = catalog.foreignKeys.find((k) => k.table === target && k.target === table && k.pairs.map(([l]) => l).join(",") === columns.join(","));
    if (!constraint) throw new EvaluationError(`relationship ${where}: no foreign key on ${target}(${columns.join(",")}) referencing ${table}`);
    return { name, kind, target, pairs: constraint.pairs.map(([remoteColumn, local]) => [local, remoteColumn] as const) };
  }
  throw new EvaluationError(`relationship ${where}: neither foreign_key_constraint_on nor manual_configuration`);
}

function list(value: unknown): Doc[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function isObject(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
