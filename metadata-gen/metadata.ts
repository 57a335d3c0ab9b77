// Reads a Hasura v3 metadata directory in the layout `hasura metadata export` writes: version.yaml,
// databases/databases.yaml, and for one source its tables.yaml of `!include` entries, each a
// `<schema>_<name>.yaml` table file. Keeps every file's text next to its parsed content, so the
// writer can leave untouched bytes alone. Writing is plain file output of what the plan decided.

import fs from "node:fs";
import path from "node:path";
import { MetadataError } from "./errors";
import { isPlainObject, parseYaml, YamlSyntaxError } from "./yaml-source";

export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

export function qualified(table: QualifiedName): string {
  return `${table.schema}.${table.name}`;
}

export interface TableFile {
  readonly table: QualifiedName;
  /** Absolute path; undefined for a table written inline in tables.yaml. */
  readonly file: string | undefined;
  readonly text: string | undefined;
  readonly doc: Record<string, unknown>;
}

export interface MetadataDir {
  readonly root: string;
  readonly source: string;
  readonly tablesFile: string;
  readonly tablesText: string;
  readonly tablesItems: readonly unknown[];
  /** By `schema.name`, in tables.yaml order. */
  readonly tables: ReadonlyMap<string, TableFile>;
}

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MetadataError(code === "ENOENT" ? `${file} does not exist` : `cannot read ${file}: ${(error as Error).message}`);
  }
}

export function readYamlFile(file: string): { text: string; value: unknown } {
  const text = readText(file);
  try {
    return { text, value: parseYaml(text, file) };
  } catch (error) {
    const e = error as YamlSyntaxError;
    throw new MetadataError(`${file}${e.line === undefined ? "" : `:${e.line}`}: invalid YAML: ${e.reason}`);
  }
}

/** The file an include string names (relative to the including file's directory), or undefined. */
export function includeTarget(value: unknown, includingFile: string): string | undefined {
  if (typeof value !== "string" || !value.includes("!include")) return undefined;
  const space = value.indexOf(" ");
  const target = value.slice(space + 1).trim().replace(/^"|"$/g, "");
  return path.resolve(path.dirname(includingFile), target);
}

export function tableName(value: unknown): QualifiedName | undefined {
  if (typeof value === "string") return { schema: "public", name: value };
  if (isPlainObject(value) && typeof value.name === "string") {
    return { schema: typeof value.schema === "string" ? value.schema : "public", name: value.name };
  }
  return undefined;
}

export function readMetadata(root: string, source: string): MetadataDir {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new MetadataError(`${root} is not a directory`);
  const version = readYamlFile(path.join(root, "version.yaml")).value;
  if (!isPlainObject(version) || version.version !== 3) throw new MetadataError(`${path.join(root, "version.yaml")}: expected "version: 3" (a Hasura v3 metadata directory)`);
  const databasesFile = path.join(root, "databases", "databases.yaml");
  const databases = readYamlFile(databasesFile).value;
  if (!Array.isArray(databases)) throw new MetadataError(`${databasesFile}: expected a list of sources`);
  const entry = databases.find((d) => isPlainObject(d) && d.name === source);
  if (!isPlainObject(entry)) {
    const names = databases.map((d) => (isPlainObject(d) ? String(d.name) : "?")).join(", ");
    throw new MetadataError(`${databasesFile}: no source named "${source}" (found: ${names || "none"})`);
  }
  const tablesFile = includeTarget(entry.tables, databasesFile);
  if (!tablesFile) throw new MetadataError(`${databasesFile}: source "${source}" must list its tables with "!include <source>/tables/tables.yaml", as hasura metadata export writes it`);
  const { text: tablesText, value: items } = readYamlFile(tablesFile);
  const tablesItems = items === null ? [] : items;
  if (!Array.isArray(tablesItems)) throw new MetadataError(`${tablesFile}: expected a list of tables`);
  const tables = new Map<string, TableFile>();
  for (const item of tablesItems) {
    const file = includeTarget(item, tablesFile);
    const loaded = file ? readYamlFile(file) : { text: undefined, value: item };
    const doc = loaded.value;
    const where = file ?? tablesFile;
    if (!isPlainObject(doc)) throw new MetadataError(`${where}: expected a table object`);
    const table = tableName(doc.table);
    if (!table) throw new MetadataError(`${where}: "table" must name the table ({name, schema})`);
    if (tables.has(qualified(table))) throw new MetadataError(`${where}: table ${qualified(table)} is tracked twice`);
    tables.set(qualified(table), { table, file, text: loaded.text, doc });
  }
  return { root, source, tablesFile, tablesText, tablesItems, tables };
}

/** Writes each file whose text changed; directories are created as needed. */
export function writeFiles(files: ReadonlyArray<{ readonly file: string; readonly after: string | undefined }>): void {
  for (const { file, after } of files) {
    if (after === undefined) {
      fs.rmSync(file, { force: true });
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, after);
  }
}

/** `<schema>_<name>.yaml`, Hasura's table file name. */
export function tableFileName(table: QualifiedName): string {
  return `${table.schema}_${table.name}.yaml`;
}
