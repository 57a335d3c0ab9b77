// `token-sidecar access`: what one credential can reach, as Hasura would apply the metadata's
// permissions for the webhook's answer. Everything runs in one transaction that is rolled back:
// the report runs Ghostwriter's checks (which may prune or revoke) and shows their outcome
// without leaving it behind.

import { sql, type Kysely } from "kysely";
import type { Config } from "../webhook/config";
import type { Database } from "../webhook/db/schema";
import { DatabaseUnavailableError } from "../webhook/errors";
import { findApiKeyById, findUsableApiKeyByPrefix } from "../webhook/db/repositories/api-keys";
import { findServiceTokenById, findServiceTokenByPrefix, type ServiceTokenRecord } from "../webhook/db/repositories/service-tokens";
import { readableProjectIds } from "../webhook/db/repositories/users";
import { scopeSummary, detectPreset } from "../webhook/credentials/service-scope";
import { parseToken } from "../webhook/credentials/token-format";
import { readCatalog } from "./catalog";
import { column, compileBoolExp, compileContext, fromTable, type CompileContext } from "./compile";
import { allowedIds, permittedColumns, type RoleView } from "./evaluate";
import { buildModel, type SourceModel, type TableModel } from "./model";
import { sessionForServiceTokenId, sessionForToken, type SessionOutcome } from "./session";

export const PROJECT_TABLE = "public.rolodex_project";
export const OPLOG_TABLE = "public.oplog_oplog";

export interface TableAccess {
  readonly table: string;
  readonly columns: "*" | readonly string[];
  readonly rows: number;
  /** Projects the visible rows belong to (by object relationships); null when no path leads there. */
  readonly projects: readonly string[] | null;
  readonly oplogs: readonly string[] | null;
}

export interface MutationAccess {
  readonly table: string;
  readonly action: "insert" | "update" | "delete";
  /** Rows the filter lets it change now (update, delete). */
  readonly rows?: number;
  readonly columns?: "*" | readonly string[];
  /** The check / filter with this credential's session variables written in. */
  readonly condition: unknown;
}

export interface AccessReport {
  readonly credential: {
    readonly kind: "service_token" | "api_token" | "jwt";
    readonly id?: string;
    readonly name?: string;
    readonly prefix?: string;
    readonly principal?: string;
    readonly owner?: string;
    readonly status: "usable" | "revoked" | "expired" | "unknown" | "rejected";
    readonly reason?: string;
    readonly expires?: string | null;
    readonly lastUsedAt?: string | null;
    readonly scope?: string;
    readonly preset?: string;
    readonly staleProjects?: readonly string[];
  };
  readonly role?: string;
  readonly session?: Readonly<Record<string, string>>;
  readonly tables: readonly TableAccess[];
  readonly mutations: readonly MutationAccess[];
}

export interface ReportRequest {
  readonly token?: string;
  readonly tokenId?: string;
  readonly metadataRoot: string;
  readonly source?: string;
  readonly jwtSecret?: string;
}

class RolledBack extends Error {
  constructor(readonly report: AccessReport) {
    super("rolled back");
  }
}

export async function accessReport(db: Kysely<Database>, config: Config, request: ReportRequest, now = new Date()): Promise<AccessReport> {
  try {
    await db.transaction().execute(async (trx) => {
      throw new RolledBack(await reportInTransaction(trx, config, request, now));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.report;
    throw error;
  }
  throw new Error("unreachable");
}

async function reportInTransaction(db: Kysely<Database>, config: Config, request: ReportRequest, now: Date): Promise<AccessReport> {
  const credential = await describeCredential(db, request, now);
  if (credential.status !== "usable") return { credential, tables: [], mutations: [] };
  const outcome: SessionOutcome = request.tokenId !== undefined
    ? await sessionForServiceTokenId(db, request.tokenId)
    : await sessionForToken(db, config, request.token as string, request.jwtSecret);
  // The webhook would answer 503, not 401: a failure to report, not a verdict on the token.
  if (!outcome.ok && outcome.reason === "unavailable") throw new DatabaseUnavailableError(`could not check the token: ${outcome.detail ?? "the database failed"}`);
  if (!outcome.ok) return { credential: { ...credential, status: "rejected", reason: outcome.detail ?? outcome.reason }, tables: [], mutations: [] };
  const session = outcome.variables;
  const role = session["X-Hasura-Role"] as string;
  const model = await loadModel(db, request);
  const view: RoleView = { db, model, role, session };
  const tables: TableAccess[] = [];
  const mutations: MutationAccess[] = [];
  for (const table of [...model.tables.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const select = table.permissions.select.get(role);
    if (select) tables.push(await tableAccess(view, table, select));
    for (const action of ["insert", "update", "delete"] as const) {
      const granted = table.permissions[action].get(role);
      if (!granted) continue;
      const condition = substitute(action === "insert" ? granted.check : granted.filter, session);
      const columns = action === "delete" ? undefined : granted.columns === "*" ? "*" : permittedColumns(table, granted.columns);
      const rows = action === "insert" ? undefined : (await allowedIds(view, table.key, action, firstColumn(table)))?.length;
      mutations.push({ table: table.key, action, rows, columns, condition });
    }
  }
  return { credential, role, session, tables, mutations };
}

async function loadModel(db: Kysely<Database>, request: ReportRequest): Promise<SourceModel> {
  const { rows } = await sql<{ nspname: string }>`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`.execute(db);
  return buildModel(request.metadataRoot, request.source ?? "default", await readCatalog(db, rows.map((r) => r.nspname)));
}

async function describeCredential(db: Kysely<Database>, request: ReportRequest, now: Date): Promise<AccessReport["credential"]> {
  const parsed = request.token ? parseToken(request.token) : undefined;
  if (request.tokenId !== undefined || parsed?.kind === "gwst") {
    const record = request.tokenId !== undefined ? await findServiceTokenById(db, request.tokenId) : await findServiceTokenByPrefix(db, (parsed as { prefix: string }).prefix);
    if (!record) return { kind: "service_token", status: "unknown" };
    return { ...serviceTokenFacts(record), status: lifeStatus(record, now), staleProjects: await staleProjects(db, record) };
  }
  if (parsed?.kind === "gwat") {
    const found = await findUsableApiKeyByPrefix(db, parsed.prefix);
    const record = found ?? (await findRevokedApiKey(db, parsed.prefix));
    if (!record) return { kind: "api_token", status: "unknown" };
    return {
      kind: "api_token", id: record.id, name: record.name, prefix: `gwat_${record.prefix}`, owner: record.user.username,
      status: lifeStatus(record, now), expires: record.expiryDate?.toISOString() ?? null, lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    };
  }
  if (request.token && (request.token.startsWith("gwst_") || request.token.startsWith("gwat_"))) {
    return { kind: request.token.startsWith("gwst_") ? "service_token" : "api_token", status: "unknown", reason: "not a well-formed token" };
  }
  // Neither opaque family nor three JWT segments: malformed, like a gwst_/gwat_ of the wrong shape.
  if (request.token && !JWT_SHAPE.test(request.token)) return { kind: "jwt", status: "unknown", reason: "not a well-formed token" };
  return { kind: "jwt", status: "usable" };
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function serviceTokenFacts(record: ServiceTokenRecord) {
  return {
    kind: "service_token" as const,
    id: record.id,
    name: record.name,
    prefix: `gwst_${record.prefix}`,
    principal: `${record.principal.name} (${record.principal.id}${record.principal.active ? "" : ", inactive"})`,
    owner: record.creatorUsername,
    expires: record.expiryDate?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    scope: scopeSummary(record.permissions),
    preset: detectPreset(record.permissions),
  };
}

function lifeStatus(record: { revoked: boolean; expiryDate: Date | null }, now: Date): "usable" | "revoked" | "expired" {
  if (record.revoked) return "revoked";
  if (record.expiryDate !== null && record.expiryDate.getTime() < now.getTime()) return "expired";
  return "usable";
}

/** Selected projects the creator can no longer read (Ghostwriter's stale_project_ids). */
async function staleProjects(db: Kysely<Database>, record: ServiceTokenRecord): Promise<string[]> {
  const selected = record.permissions.filter((p) => p.resourceType === "project" && p.resourceId !== null).map((p) => p.resourceId as string);
  const readable = await readableProjectIds(db, record.createdById, selected);
  return selected.filter((id) => !readable.has(id));
}

async function findRevokedApiKey(db: Kysely<Database>, prefix: string) {
  const row = await db.selectFrom("api_apikey").select("id").where("token_prefix", "=", prefix).executeTakeFirst();
  return row ? findApiKeyById(db, String(row.id)) : undefined;
}

async function tableAccess(view: RoleView, table: TableModel, select: Record<string, unknown>): Promise<TableAccess> {
  const ctx = compileContext(view.model, view.session);
  const alias = ctx.nextAlias();
  const filter = compileBoolExp(ctx, table, alias, select.filter ?? {});
  const { rows } = await sql<{ count: string }>`SELECT count(*)::text AS count FROM ${fromTable(table, alias)} WHERE ${filter}`.execute(view.db);
  return {
    table: table.key,
    columns: select.columns === "*" ? "*" : permittedColumns(table, select.columns),
    rows: Number(rows[0]?.count ?? 0),
    projects: await reachedIds(view, ctx, table, alias, filter, PROJECT_TABLE),
    oplogs: await reachedIds(view, ctx, table, alias, filter, OPLOG_TABLE),
  };
}

/** Ids of `target` rows the visible rows lead to along the shortest object-relationship path. */
async function reachedIds(view: RoleView, ctx: CompileContext, table: TableModel, alias: string, filter: ReturnType<typeof compileBoolExp>, target: string): Promise<string[] | null> {
  const path = objectPath(view.model, table.key, target);
  if (!path) return null;
  let currentAlias = alias;
  const joins = [];
  for (const relationship of path) {
    const next = view.model.tables.get(relationship.target) as TableModel;
    const nextAlias = ctx.nextAlias();
    const on = relationship.pairs.map(([local, remote]) => sql`${column(currentAlias, local)} = ${column(nextAlias, remote)}`);
    joins.push(sql` JOIN ${fromTable(next, nextAlias)} ON ${sql.join(on, sql` AND `)}`);
    currentAlias = nextAlias;
  }
  const { rows } = await sql<{ id: string }>`
    SELECT DISTINCT ${column(currentAlias, "id")}::text AS id FROM ${fromTable(table, alias)}${sql.join(joins, sql``)}
    WHERE ${filter} ORDER BY 1`.execute(view.db);
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
}

function objectPath(model: SourceModel, from: string, to: string) {
  if (from === to) return [];
  const queue: Array<{ table: string; path: Array<{ target: string; pairs: ReadonlyArray<readonly [string, string]> }> }> = [{ table: from, path: [] }];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const { table, path } = queue.shift() as (typeof queue)[number];
    for (const relationship of [...(model.tables.get(table)?.relationships.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name))) {
      if (relationship.kind !== "object" || seen.has(relationship.target) || !model.tables.has(relationship.target)) continue;
      const next = [...path, relationship];
      if (relationship.target === to) return next;
      seen.add(relationship.target);
      queue.push({ table: relationship.target, path: next });
    }
  }
  return undefined;
}

/** The expression with session-variable names replaced by this credential's values, for display. */
function substitute(expression: unknown, session: Readonly<Record<string, string>>): unknown {
  if (typeof expression === "string") {
    const found = Object.entries(session).find(([key]) => key.toLowerCase() === expression.toLowerCase());
    return found ? `${found[1]} (${expression})` : expression;
  }
  if (Array.isArray(expression)) return expression.map((item) => substitute(item, session));
  if (expression && typeof expression === "object") return Object.fromEntries(Object.entries(expression).map(([k, v]) => [k, substitute(v, session)]));
  return expression;
}

function firstColumn(table: TableModel): string {
  return table.columns.has("id") ? "id" : ([...table.columns.keys()][0] as string);
}
