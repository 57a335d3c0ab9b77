// What is known about each table's columns. With a database: exactly its columns. Without one, the
// metadata names some (custom column names, relationship columns, other roles' column lists) but
// not all, so a name it does not mention is "unverified" rather than wrong.

import type { Catalog } from "./introspect";
import { qualified, tableName, type MetadataDir } from "./metadata";
import { isPlainObject } from "./yaml-source";

export interface ColumnKnowledge {
  readonly names: ReadonlySet<string>;
  /** True when `names` is every column (from the database, or a view the generator defines). */
  readonly complete: boolean;
}

export class Columns {
  private readonly fromMetadata = new Map<string, Set<string>>();

  constructor(
    metadata: MetadataDir,
    private readonly catalog: Catalog | undefined,
    ownedRoles: ReadonlySet<string>,
    private readonly defined: ReadonlyMap<string, readonly string[]>,
  ) {
    for (const [name, entry] of metadata.tables) collect(entry.doc, name, ownedRoles, (table, column) => this.note(table, column));
  }

  of(table: string): ColumnKnowledge {
    const defined = this.defined.get(table);
    if (defined) return { names: new Set(defined), complete: true };
    const fromDb = this.catalog?.columns.get(table);
    if (fromDb) return { names: fromDb, complete: true };
    return { names: this.fromMetadata.get(table) ?? new Set(), complete: false };
  }

  private note(table: string, column: string): void {
    this.fromMetadata.set(table, (this.fromMetadata.get(table) ?? new Set()).add(column));
  }
}

function collect(doc: Record<string, unknown>, self: string, ownedRoles: ReadonlySet<string>, note: (table: string, column: string) => void): void {
  const config = isPlainObject(doc.configuration) ? doc.configuration : {};
  for (const key of ["column_config", "custom_column_names"]) {
    if (isPlainObject(config[key])) for (const column of Object.keys(config[key])) note(self, column);
  }
  for (const key of ["object_relationships", "array_relationships"]) {
    for (const rel of Array.isArray(doc[key]) ? doc[key] : []) {
      const using = isPlainObject(rel) && isPlainObject(rel.using) ? rel.using : {};
      const fk = using.foreign_key_constraint_on;
      if (typeof fk === "string") note(self, fk);
      else if (Array.isArray(fk)) fk.forEach((c) => note(self, String(c)));
      else if (isPlainObject(fk)) {
        const remote = tableName(fk.table);
        const cols = typeof fk.column === "string" ? [fk.column] : Array.isArray(fk.columns) ? fk.columns.map(String) : [];
        if (remote) cols.forEach((c) => note(qualified(remote), c));
      }
      const manual = isPlainObject(using.manual_configuration) ? using.manual_configuration : undefined;
      const remote = manual ? tableName(manual.remote_table) : undefined;
      if (manual && isPlainObject(manual.column_mapping)) {
        for (const [local, other] of Object.entries(manual.column_mapping)) {
          note(self, local);
          if (remote && typeof other === "string") note(qualified(remote), other);
        }
      }
    }
  }
  // Column lists of roles the policy does not own are evidence the columns exist; the owned roles'
  // own lists are not (a typo committed once would vouch for itself).
  for (const key of ["select_permissions", "insert_permissions", "update_permissions"]) {
    for (const entry of Array.isArray(doc[key]) ? doc[key] : []) {
      if (!isPlainObject(entry) || ownedRoles.has(String(entry.role)) || !isPlainObject(entry.permission)) continue;
      const columns = entry.permission.columns;
      if (Array.isArray(columns)) columns.forEach((c) => note(self, String(c)));
    }
  }
}
