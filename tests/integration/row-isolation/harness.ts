// Shared set-up of the row-isolation tests: one seeded database per test file (the rich world,
// real tokens minted through the lifecycle code, their fates applied), the webhook's own answers
// for each token, the evaluator's model of a metadata directory, and the table lists read from
// the generated metadata at collection time (so `it.each` covers a newly permitted table without
// anyone editing a test).

import path from "node:path";
import { sql } from "kysely";
import { readMetadata } from "../../../metadata-gen/metadata";
import { readCatalog } from "../../../evaluator/catalog";
import { buildModel, type SourceModel } from "../../../evaluator/model";
import { allowedIds, type RoleView } from "../../../evaluator/evaluate";
import { sessionForToken, type SessionOutcome } from "../../../evaluator/session";
import { loadConfig, type Config } from "../../../webhook/config";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import {
  RICH_ENV,
  RICH_JWT_SECRET,
  TOKEN_PLANS,
  applyTokenFates,
  mintRichTokens,
  seedRichWorld,
  type MintedToken,
  type RichWorld,
  type TokenKey,
} from "../../support/rich-seed";
import { SERVICE_EXPECTATIONS, expectedServiceIds, grantedProjects, sortIds, type ServiceGrant } from "./expectations";

export const METADATA_ROOT = path.resolve(__dirname, "..", "..", "..", "hasura", "metadata");
export const SOURCE = "default";

/** `schema.table` of every table where `role` has an `action` permission in the metadata directory. */
export function tablesWithPermission(role: string, action: "select" | "insert" | "update" | "delete", root = METADATA_ROOT): string[] {
  const tables: string[] = [];
  for (const [key, entry] of readMetadata(root, SOURCE).tables) {
    const permissions = entry.doc[`${action}_permissions`];
    if (Array.isArray(permissions) && permissions.some((p) => (p as { role?: unknown }).role === role)) tables.push(key);
  }
  return tables.sort();
}

export function trackedTables(root = METADATA_ROOT): string[] {
  return [...readMetadata(root, SOURCE).tables.keys()].sort();
}

export async function loadModel(db: TestDatabase["db"], root = METADATA_ROOT): Promise<SourceModel> {
  return buildModel(root, SOURCE, await readCatalog(db, ["public"]));
}

export function richConfig(): Config {
  return loadConfig(RICH_ENV, { purpose: "cli" });
}

export async function webhookSession(db: TestDatabase["db"], token: string): Promise<SessionOutcome> {
  return sessionForToken(db, richConfig(), token, RICH_JWT_SECRET);
}

export interface RichDatabase {
  readonly testDb: TestDatabase;
  readonly world: RichWorld;
  readonly tokens: Record<TokenKey, MintedToken>;
  /** The webhook's answers before the fates were applied (what a stale cache could still hold). */
  readonly before: Record<TokenKey, SessionOutcome>;
  /** The webhook's answers now (its checks have run: pruning and revocation happened). */
  readonly now: Record<TokenKey, SessionOutcome>;
  readonly model: SourceModel;
}

export async function setUpRichDatabase(): Promise<RichDatabase> {
  const testDb = await createTestDatabase("migrated");
  const world = await seedRichWorld(testDb.db);
  const tokens = await mintRichTokens(world);
  const keys = Object.keys(tokens) as TokenKey[];
  const before = {} as Record<TokenKey, SessionOutcome>;
  // Nothing is dead yet, so these checks have no side effects (and a report records no use).
  for (const key of keys) before[key] = await webhookSession(testDb.db, tokens[key].token);
  await applyTokenFates(testDb.db, world, tokens);
  const now = {} as Record<TokenKey, SessionOutcome>;
  for (const key of keys) now[key] = await webhookSession(testDb.db, tokens[key].token);
  // Fresh tables have no statistics; without them PostgreSQL plans the nested EXISTS over the
  // access view (users_user's thirteen branches) badly enough to take seconds per query.
  await sql`ANALYZE`.execute(testDb.db);
  return { testDb, world, tokens, before, now, model: await loadModel(testDb.db) };
}

/** The session variables of an accepted answer (throws with the reason otherwise). */
export function variablesOf(outcome: SessionOutcome | undefined): Record<string, string> {
  if (!outcome) throw new Error("no session computed");
  if (!outcome.ok) throw new Error(`the webhook refused the token: ${outcome.reason}${outcome.detail ? ` (${outcome.detail})` : ""}`);
  return { ...outcome.variables };
}

export function serviceView(db: RoleView["db"], model: SourceModel, session: Readonly<Record<string, string>>): RoleView {
  return { db, model, role: session["X-Hasura-Role"] ?? "", session };
}

/** The grant Ghostwriter's rules give a token now: its plan, intersected with what its creator reads. */
export async function ruleGrant(rich: RichDatabase, key: TokenKey): Promise<ServiceGrant> {
  const plan = TOKEN_PLANS[key];
  const selected = plan.projects === "all" ? "all" : plan.projects.map((p) => rich.world.projects[p].id);
  return {
    projects: await grantedProjects(rich.testDb.db, rich.world.users[plan.creator], selected),
    readOplog: plan.readOplog ? rich.world.oplogs[plan.readOplog] : "-1",
  };
}

export interface Comparison {
  readonly table: string;
  readonly expected: string[];
  /** undefined: the role has no select permission on the table. */
  readonly actual: string[] | undefined;
}

export async function compareServiceTable(view: RoleView, table: string, grant: ServiceGrant): Promise<Comparison> {
  const idColumn = SERVICE_EXPECTATIONS[table]?.idColumn ?? "id";
  const expected = await expectedServiceIds(view.db, table, grant);
  const actual = await allowedIds(view, table, "select", idColumn);
  return { table, expected, actual: actual === undefined ? undefined : sortIds(actual) };
}

export function mismatched(comparison: Comparison): boolean {
  const { expected, actual } = comparison;
  return actual === undefined || actual.length !== expected.length || actual.some((id, i) => id !== expected[i]);
}
