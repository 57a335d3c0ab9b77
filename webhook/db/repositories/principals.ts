// Service principals: the durable non-human actors that own service tokens.

import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../schema";

type Db = Kysely<Database> | Transaction<Database>;

export interface PrincipalRow {
  readonly id: string;
  readonly name: string;
  readonly serviceType: string;
  readonly created: Date;
  readonly active: boolean;
  readonly createdById: string;
  readonly createdByUsername: string;
  readonly usableTokens: number;
}

function baseQuery(db: Db) {
  return db
    .selectFrom("api_serviceprincipal as sp")
    .innerJoin("users_user as u", "u.id", "sp.created_by_id")
    .select(["sp.id", "sp.name", "sp.service_type", "sp.created", "sp.active", "sp.created_by_id", "u.username"])
    .select(
      sql<string>`(SELECT count(*) FROM api_servicetoken AS t WHERE t.service_principal_id = sp.id AND NOT t.revoked)`.as("usable_tokens"),
    );
}

export async function findPrincipalById(db: Db, id: string): Promise<PrincipalRow | undefined> {
  const row = await baseQuery(db).where("sp.id", "=", id).executeTakeFirst();
  return row && toPrincipal(row);
}

/** Ghostwriter's reuse rule: an active principal of the same owner whose name matches ignoring case. */
export async function findActivePrincipalByName(db: Db, ownerId: string, name: string): Promise<PrincipalRow | undefined> {
  const row = await baseQuery(db)
    .where("sp.created_by_id", "=", ownerId)
    .where("sp.active", "=", true)
    .where(sql<boolean>`lower(sp.name) = lower(${name})`)
    .orderBy("sp.id")
    .executeTakeFirst();
  return row && toPrincipal(row);
}

export async function listPrincipals(db: Db, filter: { ownerId?: string; includeInactive?: boolean }): Promise<PrincipalRow[]> {
  let query = baseQuery(db).orderBy("sp.name").orderBy("sp.id");
  if (filter.ownerId) query = query.where("sp.created_by_id", "=", filter.ownerId);
  if (!filter.includeInactive) query = query.where("sp.active", "=", true);
  return (await query.execute()).map(toPrincipal);
}

export async function insertPrincipal(db: Db, principal: { name: string; serviceType: string; ownerId: string }): Promise<string> {
  const { id } = await db
    .insertInto("api_serviceprincipal")
    .values({ name: principal.name, service_type: principal.serviceType, created: new Date(), active: true, created_by_id: principal.ownerId })
    .returning("id")
    .executeTakeFirstOrThrow();
  return String(id);
}

export async function deactivatePrincipal(db: Db, id: string): Promise<boolean> {
  const result = await db.updateTable("api_serviceprincipal").set({ active: false }).where("id", "=", id).where("active", "=", true).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>["executeTakeFirstOrThrow"]>>;

function toPrincipal(row: Row): PrincipalRow {
  return {
    id: String(row.id),
    name: row.name,
    serviceType: row.service_type,
    created: new Date(row.created),
    active: row.active,
    createdById: String(row.created_by_id),
    createdByUsername: row.username,
    usableTokens: Number(row.usable_tokens),
  };
}
