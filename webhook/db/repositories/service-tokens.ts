// Service tokens and their permission rows: the lookup the webhook makes per cold request (one
// round trip: token, principal, both creators and the grants), Ghostwriter's revocation side
// effects, and the writes of the lifecycle commands.

import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../schema";

type Db = Kysely<Database> | Transaction<Database>;

export interface PermissionRow {
  readonly id: string;
  readonly resourceType: string;
  readonly resourceId: string | null;
  readonly action: string;
  readonly constraints: Record<string, unknown>;
}

export interface ServiceTokenRecord {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly secretHash: string;
  readonly created: Date;
  readonly expiryDate: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revoked: boolean;
  readonly createdById: string;
  readonly creatorActive: boolean;
  readonly creatorUsername: string;
  readonly principal: {
    readonly id: string;
    readonly name: string;
    readonly serviceType: string;
    readonly active: boolean;
    readonly createdById: string;
    readonly creatorActive: boolean;
  };
  readonly permissions: readonly PermissionRow[];
}

export interface NewPermission {
  readonly resourceType: "oplog" | "project";
  readonly resourceId: string | null;
  readonly action: "read" | "create" | "update" | "delete";
  readonly constraints: Record<string, unknown>;
}

function baseQuery(db: Db) {
  return db
    .selectFrom("api_servicetoken as t")
    .innerJoin("api_serviceprincipal as sp", "sp.id", "t.service_principal_id")
    .innerJoin("users_user as creator", "creator.id", "t.created_by_id")
    .innerJoin("users_user as sp_creator", "sp_creator.id", "sp.created_by_id")
    .select([
      "t.id", "t.name", "t.token_prefix", "t.secret_hash", "t.created", "t.expiry_date", "t.last_used_at",
      "t.revoked", "t.created_by_id", "creator.is_active as creator_active", "creator.username as creator_username",
      "sp.id as principal_id", "sp.name as principal_name", "sp.service_type", "sp.active as principal_active",
      "sp.created_by_id as principal_created_by_id", "sp_creator.is_active as principal_creator_active",
    ])
    .select(
      sql<PermissionJson[]>`coalesce((
        SELECT json_agg(json_build_object(
          'id', p.id::text, 'resource_type', p.resource_type, 'resource_id', p.resource_id::text,
          'action', p.action, 'constraints', p.constraints)
          ORDER BY p.resource_type, p.resource_id, p.action, p.id)
        FROM api_servicetokenpermission AS p WHERE p.token_id = t.id), '[]'::json)`.as("permissions"),
    );
}

interface PermissionJson {
  id: string;
  resource_type: string;
  resource_id: string | null;
  action: string;
  constraints: Record<string, unknown>;
}

/** Ghostwriter's lookup: a non-revoked token by its public prefix (revoked ones stop here). */
export async function findUsableServiceTokenByPrefix(db: Db, prefix: string): Promise<ServiceTokenRecord | undefined> {
  const row = await baseQuery(db).where("t.token_prefix", "=", prefix).where("t.revoked", "=", false).executeTakeFirst();
  return row && toRecord(row);
}

export async function findServiceTokenById(db: Db, id: string): Promise<ServiceTokenRecord | undefined> {
  const row = await baseQuery(db).where("t.id", "=", id).executeTakeFirst();
  return row && toRecord(row);
}

export async function findServiceTokenByPrefix(db: Db, prefix: string): Promise<ServiceTokenRecord | undefined> {
  const row = await baseQuery(db).where("t.token_prefix", "=", prefix).executeTakeFirst();
  return row && toRecord(row);
}

export async function listServiceTokens(
  db: Db,
  filter: { createdById?: string; principalId?: string; includeRevoked?: boolean },
): Promise<ServiceTokenRecord[]> {
  let query = baseQuery(db).orderBy("t.created", "desc").orderBy("t.id", "desc");
  if (filter.createdById) query = query.where("t.created_by_id", "=", filter.createdById);
  if (filter.principalId) query = query.where("t.service_principal_id", "=", filter.principalId);
  if (!filter.includeRevoked) query = query.where("t.revoked", "=", false);
  return (await query.execute()).map(toRecord);
}

export async function insertServiceToken(
  db: Db,
  token: { name: string; prefix: string; secretHash: string; expiryDate: Date; createdById: string; principalId: string },
  permissions: readonly NewPermission[],
): Promise<string> {
  const { id } = await db
    .insertInto("api_servicetoken")
    .values({
      name: token.name,
      token_prefix: token.prefix,
      secret_hash: token.secretHash,
      created: new Date(),
      expiry_date: token.expiryDate,
      last_used_at: null,
      revoked: false,
      created_by_id: token.createdById,
      service_principal_id: token.principalId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (permissions.length > 0) {
    await db
      .insertInto("api_servicetokenpermission")
      .values(
        permissions.map((p) => ({
          resource_type: p.resourceType,
          resource_id: p.resourceId === null ? null : Number(p.resourceId),
          action: p.action,
          constraints: JSON.stringify(p.constraints),
          token_id: id,
        })),
      )
      .execute();
  }
  return String(id);
}

/** Revocation cannot be undone; returns false when the token was already revoked or is unknown. */
export async function revokeServiceToken(db: Db, id: string): Promise<boolean> {
  const result = await db.updateTable("api_servicetoken").set({ revoked: true }).where("id", "=", id).where("revoked", "=", false).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function updateServiceTokenExpiry(db: Db, id: string, expiryDate: Date): Promise<void> {
  await db.updateTable("api_servicetoken").set({ expiry_date: expiryDate }).where("id", "=", id).execute();
}

/** Ghostwriter's revoke_tokens_for_inactive_user: every principal of the user off, every token revoked. */
export async function revokeAllCredentialsOfCreator(db: Db, userId: string): Promise<void> {
  await db.updateTable("api_serviceprincipal").set({ active: false }).where("created_by_id", "=", userId).where("active", "=", true).execute();
  await db.updateTable("api_servicetoken").set({ revoked: true }).where("created_by_id", "=", userId).where("revoked", "=", false).execute();
}

/** A principal whose creator is gone: deactivate it and revoke all of its tokens. */
export async function deactivatePrincipalAndRevokeTokens(db: Db, principalId: string): Promise<void> {
  await db.updateTable("api_serviceprincipal").set({ active: false }).where("id", "=", principalId).execute();
  await db.updateTable("api_servicetoken").set({ revoked: true }).where("service_principal_id", "=", principalId).where("revoked", "=", false).execute();
}

export async function deletePermissions(db: Db, permissionIds: readonly string[]): Promise<void> {
  if (permissionIds.length === 0) return;
  await db.deleteFrom("api_servicetokenpermission").where("id", "in", [...permissionIds]).execute();
}

export async function countPermissions(db: Db, tokenId: string): Promise<number> {
  const { count } = await db
    .selectFrom("api_servicetokenpermission")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("token_id", "=", tokenId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>["executeTakeFirstOrThrow"]>>;

function toRecord(row: Row): ServiceTokenRecord {
  return {
    id: String(row.id),
    name: row.name,
    prefix: row.token_prefix,
    secretHash: row.secret_hash,
    created: new Date(row.created),
    expiryDate: row.expiry_date === null ? null : new Date(row.expiry_date),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    revoked: row.revoked,
    createdById: String(row.created_by_id),
    creatorActive: row.creator_active,
    creatorUsername: row.creator_username,
    principal: {
      id: String(row.principal_id),
      name: row.principal_name,
      serviceType: row.service_type,
      active: row.principal_active,
      createdById: String(row.principal_created_by_id),
      creatorActive: row.principal_creator_active,
    },
    permissions: (typeof row.permissions === "string" ? JSON.parse(row.permissions) : row.permissions).map((p: PermissionJson) => ({
      id: p.id,
      resourceType: p.resource_type,
      resourceId: p.resource_id,
      action: p.action,
      constraints: p.constraints ?? {},
    })),
  };
}
