// Shared by the migration tests: a plain-text picture of the public schema (every table, column,
// view definition, constraint, index, trigger, function and table comment, one sorted line each),
// so "what did a migration add / take away / alter" is a comparison of two string arrays; and the
// objects the core migrations promise, written out by hand as the spec of what must exist.

import { sql, type Kysely, type RawBuilder } from "kysely";

type Db = Kysely<any>;

/** Bookkeeping tables of the runner (they stay after `down --all`, like any migration history). */
export const BOOKKEEPING_TABLES = [
  "sidecar_migration",
  "sidecar_migration_lock",
  "sidecar_reference_migration",
  "sidecar_reference_migration_lock",
  "sidecar_repeatable_migration",
];

export const CREDENTIAL_TABLES = ["api_apikey", "api_serviceprincipal", "api_servicetoken", "api_servicetokenpermission", "api_usersession"];

export const ACCESS_VIEWS = ["api_service_token_project_access", "api_user_project_read_access"];

/** Constraints named by Ghostwriter 7.0.0 (schema reference) that the sidecar's tables must carry. */
export const NAMED_CONSTRAINTS: ReadonlyArray<readonly [table: string, name: string]> = [
  ["api_apikey", "api_apikey_identifier_6e4e2f82_uniq"],
  ["api_apikey", "api_apikey_pkey"],
  ["api_apikey", "api_apikey_token_prefix_key"],
  ["api_serviceprincipal", "api_serviceprincipal_pkey"],
  ["api_servicetoken", "api_servicetoken_pkey"],
  ["api_servicetoken", "api_servicetoken_token_prefix_key"],
  ["api_servicetokenpermission", "api_servicetokenpermission_pkey"],
  ["api_servicetokenpermission", "api_servicetokenpermission_resource_id_check"],
  ["api_servicetokenpermission", "api_stp_allowed_resource_action"],
  ["api_servicetokenpermission", "api_stp_allowed_scope_shape"],
  ["api_usersession", "api_usersession_identifier_key"],
  ["api_usersession", "api_usersession_pkey"],
];

/** Ghostwriter's partial unique indexes (UniqueConstraint with a condition is an index, not a constraint). */
export const NAMED_INDEXES: ReadonlyArray<readonly [table: string, name: string]> = [
  ["api_servicetokenpermission", "api_stp_unique_concrete_permission"],
  ["api_servicetokenpermission", "api_stp_unique_dynamic_permission"],
];

/** Indexes only the sidecar creates (0003), on any database. */
export const SIDECAR_INDEXES: ReadonlyArray<readonly [table: string, name: string]> = [
  ["api_servicetoken", "sidecar_servicetoken_usable_creator_idx"],
  ["api_servicetokenpermission", "sidecar_stp_resource_idx"],
];

/** Every change-notification trigger of 0002, as `table.trigger`. */
export const CHANGE_TRIGGERS: readonly string[] = [
  ...["api_servicetoken", "api_apikey", "users_user", "rolodex_project", "oplog_oplog"].flatMap((t) => [
    `${t}.sidecar_auth_change`,
    `${t}.sidecar_auth_change_update`,
    `${t}.sidecar_auth_change_truncate`,
  ]),
  ...[
    "api_servicetokenpermission",
    "api_serviceprincipal",
    "api_usersession",
    "rolodex_projectassignment",
    "rolodex_projectinvite",
    "rolodex_clientinvite",
  ].flatMap((t) => [`${t}.sidecar_auth_change`, `${t}.sidecar_auth_change_truncate`]),
].sort();

async function lines(db: Db, query: RawBuilder<unknown>): Promise<string[]> {
  const { rows } = await query.execute(db);
  return (rows as Array<{ line: string }>).map((r) => r.line);
}

/** One line per schema object of `public`, sorted; equal arrays mean equal schemas. */
export async function catalogSnapshot(db: Db): Promise<string[]> {
  const all = [
    // relkind tells tables, views, sequences and indexes apart; identity sequences are included.
    ...(await lines(db, sql`
      SELECT 'relation ' || c.relname || ' ' || c.relkind::text || coalesce(' comment=' || obj_description(c.oid, 'pg_class'), '') AS line
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`)),
    ...(await lines(db, sql`
      SELECT 'column ' || c.relname || '.' || a.attname || ' #' || a.attnum || ' ' || format_type(a.atttypid, a.atttypmod)
        || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
        || CASE WHEN a.attidentity <> '' THEN ' identity=' || a.attidentity::text ELSE '' END
        || coalesce(' default=' || pg_get_expr(d.adbin, d.adrelid), '') AS line
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped`)),
    ...(await lines(db, sql`
      SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid) AS line
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'v'`)),
    ...(await lines(db, sql`
      SELECT 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS line
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public'`)),
    ...(await lines(db, sql`
      SELECT 'index ' || tablename || '.' || indexname || ' ' || indexdef AS line FROM pg_indexes WHERE schemaname = 'public'`)),
    ...(await lines(db, sql`
      SELECT 'trigger ' || c.relname || '.' || t.tgname || ' ' || pg_get_triggerdef(t.oid) AS line
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal`)),
    ...(await lines(db, sql`
      SELECT 'function ' || p.proname || ' ' || md5(p.prosrc) AS line
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`)),
  ];
  return all.sort();
}

/** Lines in `after` but not in `before`, and the reverse. */
export function catalogDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const had = new Set(before);
  const has = new Set(after);
  return { added: after.filter((l) => !had.has(l)), removed: before.filter((l) => !has.has(l)) };
}

/** `table.trigger` of every user trigger in public. */
export async function triggerNames(db: Db): Promise<string[]> {
  return (
    await lines(db, sql`
      SELECT c.relname || '.' || t.tgname AS line FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal`)
  ).sort();
}

/** Names of public relations of the given relkinds (r table, v view, i index, S sequence). */
export async function relationNames(db: Db, kinds: string): Promise<string[]> {
  return (
    await lines(db, sql`
      SELECT c.relname AS line FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND strpos(${kinds}, c.relkind::text) > 0`)
  ).sort();
}

/** `table.name` of every constraint on public tables. */
export async function constraintNames(db: Db): Promise<string[]> {
  return (
    await lines(db, sql`
      SELECT c.relname || '.' || k.conname AS line FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`)
  ).sort();
}

export async function functionNames(db: Db): Promise<string[]> {
  return (
    await lines(db, sql`SELECT p.proname AS line FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`)
  ).sort();
}

/**
 * Every row of a table with its physical identity: xmin changes when a row is updated (even to
 * the same values) and ctid when the table is rewritten, so equal snapshots mean untouched rows.
 */
export async function rowSnapshot(db: Db, table: string): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    SELECT t.xmin::text || ' ' || t.ctid::text || ' ' || t::text AS line FROM ${sql.table(table)} AS t ORDER BY t.id`.execute(db);
  return rows.map((r) => r.line);
}

export const pair = (table: string, name: string): string => `${table}.${name}`;
