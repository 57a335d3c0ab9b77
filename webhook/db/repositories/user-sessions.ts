// Login sessions (api_usersession): a login JWT's `jti` names one row, which must belong to the
// JWT's subject, be unrevoked and unexpired. Revocation is one-way; cleanup deletes expired rows.
// Every write and every "is it live" filter takes the caller's clock (`now`/`at`), never the wall
// clock: the lifecycle code decides expiry with its own clock, and the two must agree.

import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../schema";

type Db = Kysely<Database> | Transaction<Database>;

export interface SessionRecord {
  readonly id: string;
  readonly identifier: string;
  readonly created: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  /** email: the login JWT's sub_email claim. */
  readonly user: { readonly id: string; readonly username: string; readonly email: string; readonly role: string; readonly isActive: boolean };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether text could be a session identifier (a UUID, any case) at all. */
export function isSessionIdentifier(text: string): boolean {
  return UUID.test(text);
}

function baseQuery(db: Db) {
  return db
    .selectFrom("api_usersession as s")
    .innerJoin("users_user as u", "u.id", "s.user_id")
    .select(["s.id", "s.identifier", "s.created", "s.expires_at", "s.revoked_at", "u.id as user_id", "u.username", "u.email", "u.role", "u.is_active"]);
}

/** Undefined for an unknown identifier, including text that is not a UUID at all. */
export async function findSessionByIdentifier(db: Db, identifier: string): Promise<SessionRecord | undefined> {
  if (!UUID.test(identifier)) return undefined;
  const row = await baseQuery(db).where("s.identifier", "=", identifier.toLowerCase()).executeTakeFirst();
  return row && toRecord(row);
}

/** Live means unrevoked and `expires_at >= now` (Ghostwriter's has_expired is `expires_at < now`). */
export async function listSessions(db: Db, filter: { userId?: string; includeInactive?: boolean; now: Date }): Promise<SessionRecord[]> {
  let query = baseQuery(db).orderBy("s.created", "desc").orderBy("s.id", "desc");
  if (filter.userId) query = query.where("s.user_id", "=", filter.userId);
  if (!filter.includeInactive) query = query.where("s.revoked_at", "is", null).where("s.expires_at", ">=", filter.now);
  return (await query.execute()).map(toRecord);
}

/** `created` and `expiresAt` come from one clock, as in Ghostwriter's create_token. */
export async function insertSession(db: Db, session: { identifier: string; userId: string; created: Date; expiresAt: Date }): Promise<string> {
  const { id } = await db
    .insertInto("api_usersession")
    .values({ identifier: session.identifier, user_id: session.userId, created: session.created, expires_at: session.expiresAt, revoked_at: null, revoked_by_id: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  return String(id);
}

/** Sets revoked_at once; returns false when already revoked or unknown. */
export async function revokeSession(db: Db, identifier: string, revokedById: string | null, at: Date): Promise<boolean> {
  if (!UUID.test(identifier)) return false;
  const result = await db
    .updateTable("api_usersession")
    .set({ revoked_at: at, revoked_by_id: revokedById })
    .where("identifier", "=", identifier.toLowerCase())
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Revokes the user's live sessions only. An expired session can no longer be used, so stamping it
 * would only change how it is reported (expired -> revoked) and inflate the count of sessions cut.
 */
export async function revokeSessionsOfUser(db: Db, userId: string, revokedById: string | null, at: Date): Promise<number> {
  const result = await db
    .updateTable("api_usersession")
    .set({ revoked_at: at, revoked_by_id: revokedById })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">=", at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Ghostwriter's clear_expired_sessions: deletes sessions whose expiry has passed. */
export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom("api_usersession").where("expires_at", "<", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>["executeTakeFirstOrThrow"]>>;

function toRecord(row: Row): SessionRecord {
  return {
    id: String(row.id),
    identifier: row.identifier,
    created: new Date(row.created),
    expiresAt: new Date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    user: { id: String(row.user_id), username: row.username, email: row.email, role: row.role, isActive: row.is_active },
  };
}
