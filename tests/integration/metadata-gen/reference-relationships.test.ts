// The reference app's Hasura metadata against the reference schema it describes: every tracked
// table exists, and every relationship stands on a real foreign key (object relationships on a
// key of their own table, array relationships on a key of the remote table pointing back) or, for
// manual ones, on columns that exist. A relationship Hasura could not resolve would make the whole
// metadata inconsistent at `hasura metadata apply`, and the generator's paths would walk it.

import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { load } from "js-yaml";
import { createTestDatabase, type TestDatabase } from "../../support/database";

const TABLES_DIR = path.join(__dirname, "..", "..", "..", "hasura", "metadata", "databases", "default", "tables");

interface TableRef {
  name: string;
  schema: string;
}
interface Relationship {
  name: string;
  using: {
    foreign_key_constraint_on?: string | { column: string; table: TableRef };
    manual_configuration?: { column_mapping: Record<string, string>; remote_table: TableRef };
  };
}
interface TableFile {
  table: TableRef;
  object_relationships?: Relationship[];
  array_relationships?: Relationship[];
}

function tableFiles(): TableFile[] {
  return fs
    .readdirSync(TABLES_DIR)
    .filter((file) => file !== "tables.yaml" && file.endsWith(".yaml"))
    .sort()
    .map((file) => load(fs.readFileSync(path.join(TABLES_DIR, file), "utf8")) as TableFile);
}

/** "table.column>target" for every single-column foreign key in the public schema. */
async function foreignKeys(db: TestDatabase["db"]): Promise<Set<string>> {
  const { rows } = await sql<{ line: string }>`
    SELECT src.relname || '.' || a.attname || '>' || dst.relname AS line
    FROM pg_constraint c
    JOIN pg_class src ON src.oid = c.conrelid
    JOIN pg_class dst ON dst.oid = c.confrelid
    JOIN pg_namespace n ON n.oid = src.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND n.nspname = 'public' AND array_length(c.conkey, 1) = 1`.execute(db);
  return new Set(rows.map((r) => r.line));
}

async function columns(db: TestDatabase["db"]): Promise<Set<string>> {
  const { rows } = await sql<{ line: string }>`
    SELECT table_name || '.' || column_name AS line FROM information_schema.columns WHERE table_schema = 'public'`.execute(db);
  return new Set(rows.map((r) => r.line));
}

let testDb: TestDatabase;
let keys: Set<string>;
let known: Set<string>;
const files = tableFiles();

beforeAll(async () => {
  testDb = await createTestDatabase("migrated");
  keys = await foreignKeys(testDb.db);
  known = await columns(testDb.db);
}, 120_000);

afterAll(async () => {
  await testDb?.close();
});

it("tracks the tables of the reference schema", () => {
  expect(files.length).toBeGreaterThanOrEqual(40);
  const missing = files.map((f) => f.table.name).filter((name) => ![...known].some((c) => c.startsWith(`${name}.`)));
  expect(missing).toEqual([]);
});

describe.each(files.map((f) => [f.table.name, f] as const))("%s", (_name, file) => {
  it("has object relationships on foreign keys of its own", () => {
    const broken: string[] = [];
    for (const rel of file.object_relationships ?? []) {
      const { foreign_key_constraint_on: fk, manual_configuration: manual } = rel.using;
      if (typeof fk === "string") {
        if (![...keys].some((k) => k.startsWith(`${file.table.name}.${fk}>`))) broken.push(`${rel.name}: no foreign key on ${fk}`);
      } else if (fk) {
        if (!keys.has(`${fk.table.name}.${fk.column}>${file.table.name}`)) broken.push(`${rel.name}: no foreign key ${fk.table.name}.${fk.column}`);
      } else if (manual) {
        for (const [local, remote] of Object.entries(manual.column_mapping)) {
          if (!known.has(`${file.table.name}.${local}`) || !known.has(`${manual.remote_table.name}.${remote}`)) broken.push(`${rel.name}: ${local} -> ${remote}`);
        }
      } else {
        broken.push(`${rel.name}: neither a foreign key nor a manual configuration`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("has array relationships on foreign keys pointing back at it", () => {
    const broken: string[] = [];
    for (const rel of file.array_relationships ?? []) {
      const { foreign_key_constraint_on: fk, manual_configuration: manual } = rel.using;
      if (fk && typeof fk === "object") {
        if (!keys.has(`${fk.table.name}.${fk.column}>${file.table.name}`)) broken.push(`${rel.name}: no foreign key ${fk.table.name}.${fk.column} -> ${file.table.name}`);
      } else if (manual) {
        for (const [local, remote] of Object.entries(manual.column_mapping)) {
          if (!known.has(`${file.table.name}.${local}`) || !known.has(`${manual.remote_table.name}.${remote}`)) broken.push(`${rel.name}: ${local} -> ${remote}`);
        }
      } else {
        broken.push(`${rel.name}: an array relationship needs a remote foreign key or a manual configuration`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("names each relationship once", () => {
    const names = [...(file.object_relationships ?? []), ...(file.array_relationships ?? [])].map((r) => r.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
