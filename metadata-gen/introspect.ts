// Database facts the generator checks the policy against when DATABASE_URL is set: the columns of
// every table and view, and the foreign keys, of the schemas the metadata tracks. Read once, as
// plain data; nothing here decides anything. Without a database the generator works from the
// metadata alone (columns.ts says what that knows).

import { sql, type Kysely } from "kysely";

export interface ForeignKey {
  readonly table: string;
  readonly columns: readonly string[];
  readonly target: string;
}

export interface Catalog {
  /** `schema.name` → column names, for every table and view of the schemas asked for. */
  readonly columns: ReadonlyMap<string, ReadonlySet<string>>;
  readonly foreignKeys: readonly ForeignKey[];
}

export async function introspect(db: Kysely<any>, schemas: readonly string[]): Promise<Catalog> {
  const columnRows = await sql<{ table_schema: string; table_name: string; column_name: string }>`
    SELECT table_schema, table_name, column_name
    FROM information_schema.columns
    WHERE table_schema = ANY(${[...schemas]}::text[])
    ORDER BY table_schema, table_name, ordinal_position`.execute(db);
  const columns = new Map<string, Set<string>>();
  for (const row of columnRows.rows) {
    const key = `${row.table_schema}.${row.table_name}`;
    columns.set(key, (columns.get(key) ?? new Set()).add(row.column_name));
  }
  // Column lists travel as JSON text: names may hold any character, commas included.
  const fkRows = await sql<{ table_schema: string; table_name: string; columns: string; target_schema: string; target_name: string }>`
    SELECT n.nspname AS table_schema, c.relname AS table_name,
           (SELECT json_agg(a.attname ORDER BY k.ord)::text
              FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
           tn.nspname AS target_schema, t.relname AS target_name
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class t ON t.oid = con.confrelid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE con.contype = 'f' AND n.nspname = ANY(${[...schemas]}::text[])
    ORDER BY 1, 2, 3`.execute(db);
  const foreignKeys = fkRows.rows.map((row) => ({
    table: `${row.table_schema}.${row.table_name}`,
    columns: JSON.parse(row.columns) as string[],
    target: `${row.target_schema}.${row.target_name}`,
  }));
  return { columns, foreignKeys };
}
