// User API tokens (`gwat_`, table api_apikey): the webhook's prefix lookup and the lifecycle writes.
// Rows from before Ghostwriter 7 have no prefix or hash and can never validate.

import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../schema";

type Db = Kysely<Database> | Transaction<Database>;

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly prefix: string | null;
  readonly secretHash: string | null;
  readonly created: Date;
  readonly expiryDate: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revoked: boolean;
  readonly user: { readonly id: string; readonly username: string; readonly role: string; readonly isActive: boolean };
}

function baseQuery(db: Db) {
  return db
    .selectFrom("api_apikey as k")
    .innerJoin("users_user as u", "u.id", "k.user_id")
    .select([
      "k.id", "k.name", "k.token_prefix", "k.secret_hash", "k.created", "k.expiry_date", "k.last_used_at", "k.revoked",
      "u.id as user_id", "u.username", "u.role", "u.is_active",
    ]);
}

export async function findUsableApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRecord | undefined> {
  const row = await baseQuery(db).where("k.token_prefix", "=", prefix).where("k.revoked", "=", false).executeTakeFirst();
  return row && toRecord(row);
}

export async function findApiKeyById(db: Db, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await baseQuery(db).where("k.id", "=", id).executeTakeFirst();
  return row && toRecord(row);
}

export async function listApiKeys(db: Db, filter: { userId?: string; includeRevoked?: boolean }): Promise<ApiKeyRecord[]> {
  let query = baseQuery(db).orderBy("k.created", "desc").orderBy("k.id", "desc");
  if (filter.userId) query = query.where("k.user_id", "=", filter.userId);
  if (!filter.includeRevoked) query = query.where("k.revoked", "=", false);
  return (await query.execute()).map(toRecord);
}

export async function insertApiKey(
  db: Db,
  key: { name: string; userId: string; prefix: string; secretHash: string; expiryDate: Date },
): Promise<string> {
  const { id } = await db
    .insertInto("api_apikey")
    .values({
      name: key.name,
      token: "", // the legacy plaintext column, always blank since Ghostwriter 7
      created: new Date(),
      expiry_date: key.expiryDate,
      revoked: false,
      user_id: key.userId,
      identifier: randomUUID(),
      secret_hash: key.secretHash,
      token_prefix: key.prefix,
      last_used_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return String(id);
}

/**
 * Ghostwriter's expiry edit: a new identifier, prefix and hash, and no last use. Only an unrevoked
 * row is touched ("Revoked … tokens cannot be updated."); false when it was revoked meanwhile.
 */
export async function rotateApiKey(db: Db, id: string, replacement: { prefix: string; secretHash: string; expiryDate: Date }): Promise<boolean> {
  const result = await db
    .updateTable("api_apikey")
    .set({
      identifier: randomUUID(),
      token_prefix: replacement.prefix,
      secret_hash: replacement.secretHash,
      expiry_date: replacement.expiryDate,
      last_used_at: null,
    })
    .where("id", "=", id)
    .where("revoked", "=", false)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const result = await db.updateTable("api_apikey").set({ revoked: true }).where("id", "=", id).where("revoked", "=", false).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>["executeTakeFirstOrThrow"]>>;

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    name: row.name,
    prefix: row.token_prefix,
    secretHash: row.secret_hash,
    created: new Date(row.created),
    expiryDate: row.expiry_date === null ? null : new Date(row.expiry_date),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    revoked: row.revoked,
    user: { id: String(row.user_id), username: row.username, role: row.role, isActive: row.is_active },
  };
}
