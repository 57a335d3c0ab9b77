// What the evaluator needs to know about the real database: each column's type (session variables
// are cast to it, as Hasura does) and each foreign key's column pairs (to join along
// foreign-key relationships). Read once per evaluation, as plain data.

import { sql, type Kysely } from "kysely";

export interface ForeignKeyPairs {
  readonly table: string;
  readonly target: string;
  /** [local column, referenced column] pairs, in constraint order. */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
}

export interface DatabaseCatalog {
  /** `schema.name` → column name → SQL type (format_type), in column order. */
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly foreignKeys: readonly ForeignKeyPairs[];
}

export async function readCatalog(db: Kysely<any>, schemas: readonly string[]): Promise<DatabaseCatalog> {
  const columnRows = await sql<{ table_key: string; column_name: string; type: string }>`
    SELECT n.nspname || '.' || c.relname AS table_key, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
      AND n.nspname = ANY(${[...schemas]}::text[])
    ORDER BY 1, a.attnum`.execute(db);
  const columns = new Map<string, Map<string, string>>();
  for (const row of columnRows.rows) {
    let table = columns.get(row.table_key);
    if (!table) columns.set(row.table_key, (table = new Map()));
    table.set(row.column_name, row.type);
  }
  const fkRows = await sql<{ table_key: string; target_key: string; pairs: string }>`
    SELECT n.nspname || '.' || c.relname AS table_key, tn.nspname || '.' || t.relname AS target_key,
      (SELECT json_agg(json_build_array(la.attname, ra.attname) ORDER BY k.ord)::text
         FROM unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(local_num, remote_num, ord)
         JOIN pg_attribute la ON la.attrelid = con.conrelid AND la.attnum = k.local_num
         JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.remote_num) AS pairs
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class t ON t.oid = con.confrelid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE con.contype = 'f' AND n.nspname = ANY(${[...schemas]}::text[])`.execute(db);
  const foreignKeys = fkRows.rows.map((row) => ({
    table: row.table_key,
    target: row.target_key,
    pairs: JSON.parse(row.pairs) as [string, string][],
  }));
  return { columns, foreignKeys };
}
