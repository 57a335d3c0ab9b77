// The generator end to end, without writing: read the policy and the metadata directory (and the
// database's columns and foreign keys when one is given), resolve and lint the policy, render the
// owned entries and the views SQL, merge them into the documents, and return the files whose
// content would change, each with what changed. `metadata generate` writes the plan; `metadata
// check` reports it as drift.

import fs from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import { MetadataError, PolicyError } from "./errors";
import { introspect, type Catalog } from "./introspect";
import { mergeTable, type OwnedEntries } from "./merge";
import { qualified, readMetadata, readText, readYamlFile, tableFileName, type MetadataDir } from "./metadata";
import { readPolicy, type Policy } from "./policy";
import { renderPermissions, type PermissionKey } from "./render/permissions";
import { accessRelationship, viewConfiguration, viewProjectRelationship } from "./render/view-table";
import { renderViewsSql } from "./render/views-sql";
import { emitYaml } from "./render/yaml";
import { resolvePolicy, type Resolved } from "./resolve";
import { rewriteYaml } from "./splice";
import { isPlainObject } from "./yaml-source";

export interface PlanOptions {
  readonly policyFile: string;
  readonly metadataDir: string;
  /** The views migration; its `.down.sql` sibling is generated with it. */
  readonly viewsFile: string;
  /** Paths in messages are shown relative to this directory. */
  readonly cwd: string;
  /** When given, tables, columns and foreign keys are also checked against this database. */
  readonly db?: Kysely<any>;
}

export interface FilePlan {
  readonly file: string;
  readonly label: string;
  readonly before: string | undefined;
  readonly after: string;
  readonly changes: readonly string[];
}

export interface Plan {
  /** Only the files whose content changes. */
  readonly files: readonly FilePlan[];
  readonly notes: readonly string[];
}

export async function plan(options: PlanOptions): Promise<Plan> {
  const label = (file: string) => path.relative(options.cwd, file) || file;
  const policyLabel = label(options.policyFile);
  if (!fs.existsSync(options.policyFile)) throw new PolicyError([{ file: policyLabel, path: "", message: "the policy file does not exist" }]);
  const { policy, problems } = readPolicy(readText(options.policyFile), policyLabel);
  if (!policy) return problems.throwIfAny() as never;
  const metadata = readMetadata(options.metadataDir, policy.source);
  const notes: string[] = [];
  const catalog = options.db ? await usableCatalog(options.db, metadata, notes) : undefined;
  if (!options.db) notes.push("no database (DATABASE_URL unset, or --offline): tables, columns and relationships were checked against the metadata only");
  const resolved = resolvePolicy({ policy, problems, metadata, catalog });
  problems.throwIfAny();
  const unverified = [...problems.unverified];
  const stars = unverified.filter((u) => u.endsWith(".*")).length;
  if (unverified.length > stars) notes.push(`${unverified.length - stars} column name(s) could not be verified without the database`);
  if (stars > 0) notes.push(`${stars} table(s) expose all columns; without the database only the column names the metadata mentions were checked for secrets`);
  const files = [...tableFiles(policy, metadata, resolved, label), ...viewsFiles(policy, options.viewsFile, label)];
  return { files: files.filter((f) => f.changes.length > 0), notes };
}

async function usableCatalog(db: Kysely<any>, metadata: MetadataDir, notes: string[]): Promise<Catalog | undefined> {
  const schemas = [...new Set([...metadata.tables.values()].map((t) => t.table.schema))].sort();
  const catalog = await introspect(db, schemas);
  if ([...metadata.tables.keys()].some((t) => catalog.columns.has(t))) return catalog;
  // A database without the app's tables (a fresh CI database) has nothing to check against.
  notes.push("the database has none of the tracked tables: checked against the metadata only");
  return undefined;
}

function tableFiles(policy: Policy, metadata: MetadataDir, resolved: Resolved, label: (f: string) => string): FilePlan[] {
  const owned = new Set(policy.roles.map((r) => r.name));
  const projectTable = qualified(policy.project.table);
  const view = qualified(policy.access.view);
  const permissionsFor = (table: string) => {
    const map = new Map<string, Map<PermissionKey, Record<string, unknown>>>();
    for (const [role, tables] of resolved.roles) {
      const t = tables.get(table);
      if (t) map.set(role, renderPermissions(t));
    }
    return map;
  };
  const plans: FilePlan[] = [];
  for (const [name, entry] of metadata.tables) {
    const ownedEntries: OwnedEntries = {
      roles: owned,
      permissions: permissionsFor(name),
      relationships: [
        ...(name === projectTable ? [{ key: "array_relationships" as const, entry: accessRelationship(policy) }] : []),
        ...(name === view ? [{ key: "object_relationships" as const, entry: viewProjectRelationship(policy) }] : []),
      ],
      defaults: name === view ? { configuration: viewConfiguration(policy) } : undefined,
    };
    const merged = mergeTable(entry.doc, ownedEntries);
    if (merged.changes.length === 0) continue;
    if (!entry.file) throw new MetadataError(`${metadata.tablesFile}: table ${name} is written inline; the generator only writes per-table files (the layout hasura metadata export writes)`);
    plans.push({ file: entry.file, label: label(entry.file), before: entry.text, after: rewriteYaml(entry.text, merged.doc), changes: merged.changes });
  }
  if (!metadata.tables.has(view)) plans.push(...newViewFiles(policy, metadata, permissionsFor(view), owned, label));
  return plans;
}

function newViewFiles(policy: Policy, metadata: MetadataDir, permissions: OwnedEntries["permissions"], owned: ReadonlySet<string>, label: (f: string) => string): FilePlan[] {
  const { schema, name } = policy.access.view;
  const file = path.join(path.dirname(metadata.tablesFile), tableFileName(policy.access.view));
  // A file of that name that tables.yaml does not include yet is merged into, not replaced.
  const before = fs.existsSync(file) ? readYamlFile(file) : undefined;
  const start = before && isPlainObject(before.value) ? before.value : { table: { name, schema } };
  const merged = mergeTable(start, {
    roles: owned,
    permissions,
    relationships: [{ key: "object_relationships", entry: viewProjectRelationship(policy) }],
    defaults: { configuration: viewConfiguration(policy) },
  });
  const viewPlan: FilePlan = {
    file,
    label: label(file),
    before: before?.text,
    after: before ? rewriteYaml(before.text, merged.doc) : emitYaml(merged.doc),
    changes: [before === undefined ? "the access view's table file is missing" : "is not included in tables.yaml", ...merged.changes],
  };
  // tables.yaml lists tables sorted by schema, then name.
  const include = `!include ${path.basename(file)}`;
  const keyed = [...metadata.tablesItems.map((item, i) => ({ item, key: [...metadata.tables.keys()][i] as string })), { item: include, key: `${schema}.${name}` }];
  // Compared part by part: as one "schema.name" string, a schema like "a-b" would sort before "a".
  const parts = (key: string) => {
    const dot = key.indexOf(".");
    return [key.slice(0, dot), key.slice(dot + 1)] as const;
  };
  const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  keyed.sort((a, b) => {
    const [sa, na] = parts(a.key);
    const [sb, nb] = parts(b.key);
    return compare(sa, sb) || compare(na, nb);
  });
  const tablesPlan: FilePlan = {
    file: metadata.tablesFile,
    label: label(metadata.tablesFile),
    before: metadata.tablesText,
    after: emitYaml(keyed.map((k) => k.item)),
    changes: [`the include of ${path.basename(file)} is missing`],
  };
  return [viewPlan, tablesPlan];
}

function viewsFiles(policy: Policy, viewsFile: string, label: (f: string) => string): FilePlan[] {
  const { up, down } = renderViewsSql(policy);
  const downFile = viewsFile.replace(/\.sql$/, "") + ".down.sql";
  return [
    { file: viewsFile, text: up },
    { file: downFile, text: down },
  ].map(({ file, text }) => {
    const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    const changes = before === text ? [] : [before === undefined ? "is missing" : "differs from what the policy generates"];
    return { file, label: label(file), before, after: text, changes };
  });
}
