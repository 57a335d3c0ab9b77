// Users and what they can reach: Ghostwriter's Project.for_user rule (an active user reads a
// project when privileged, or invited to it or its client, or assigned to it) and the oplog rule
// built on it (an oplog is viewable and editable when its project is).

import { sql, type Kysely } from "kysely";
import type { Database } from "../schema";

export interface UserRow {
  readonly id: string;
  readonly username: string;
  readonly role: string;
  readonly isActive: boolean;
  readonly isStaff: boolean;
  readonly isSuperuser: boolean;
}

type Db = Kysely<Database>;

export async function findUserById(db: Db, id: string | number): Promise<UserRow | undefined> {
  const row = await db
    .selectFrom("users_user")
    .select(["id", "username", "role", "is_active", "is_staff", "is_superuser"])
    .where("id", "=", String(id))
    .executeTakeFirst();
  return row && toUser(row);
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  const row = await db
    .selectFrom("users_user")
    .select(["id", "username", "role", "is_active", "is_staff", "is_superuser"])
    .where("username", "=", username)
    .executeTakeFirst();
  return row && toUser(row);
}

/** Finds a user by numeric id or by username (the CLI accepts either). */
export async function findUser(db: Db, idOrUsername: string): Promise<UserRow | undefined> {
  if (/^\d+$/.test(idOrUsername)) {
    const byId = await findUserById(db, idOrUsername);
    if (byId) return byId;
  }
  return findUserByUsername(db, idOrUsername);
}

/** Ghostwriter's is_privileged, plus superusers (Django's save() makes them admins anyway). */
export function isPrivileged(user: UserRow): boolean {
  return user.role === "admin" || user.role === "manager" || user.isStaff || user.isSuperuser;
}

/** The subset of `projectIds` the user can read now (empty for an inactive or unknown user). */
export async function readableProjectIds(db: Db, userId: string, projectIds: readonly string[]): Promise<Set<string>> {
  if (projectIds.length === 0) return new Set();
  const { rows } = await sql<{ id: string }>`
    SELECT p.id::text AS id
    FROM rolodex_project AS p
    JOIN users_user AS u ON u.id = ${userId}::bigint
    WHERE p.id = ANY(${projectIds.map(String)}::bigint[])
      AND ${userCanReadProject(sql.ref("u"), sql.ref("p"))}`.execute(db);
  return new Set(rows.map((r) => r.id));
}

/** Every project the user can read now. */
export async function allReadableProjectIds(db: Db, userId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT p.id::text AS id
    FROM rolodex_project AS p
    JOIN users_user AS u ON u.id = ${userId}::bigint
    WHERE ${userCanReadProject(sql.ref("u"), sql.ref("p"))}
    ORDER BY p.id`.execute(db);
  return rows.map((r) => r.id);
}

export interface OplogAccess {
  readonly oplogId: string;
  readonly exists: boolean;
  readonly projectId: string | null;
  readonly viewable: boolean;
}

/**
 * Whether the user can view (and so, in Ghostwriter 7.0, edit) each oplog: an oplog is reachable
 * through its project. An oplog without a project is reachable by privileged users only.
 */
export async function oplogAccess(db: Db, userId: string, oplogIds: readonly string[]): Promise<Map<string, OplogAccess>> {
  const result = new Map<string, OplogAccess>();
  for (const id of oplogIds) result.set(String(id), { oplogId: String(id), exists: false, projectId: null, viewable: false });
  if (oplogIds.length === 0) return result;
  const { rows } = await sql<{ id: string; project_id: string | null; viewable: boolean }>`
    SELECT o.id::text AS id, o.project_id::text AS project_id,
      CASE WHEN p.id IS NULL
        THEN u.is_active AND (u.role IN ('admin', 'manager') OR u.is_staff OR u.is_superuser)
        ELSE ${userCanReadProject(sql.ref("u"), sql.ref("p"))}
      END AS viewable
    FROM oplog_oplog AS o
    JOIN users_user AS u ON u.id = ${userId}::bigint
    LEFT JOIN rolodex_project AS p ON p.id = o.project_id
    WHERE o.id = ANY(${oplogIds.map(String)}::bigint[])`.execute(db);
  for (const row of rows) {
    result.set(row.id, { oplogId: row.id, exists: true, projectId: row.project_id, viewable: row.viewable === true });
  }
  return result;
}

/** The membership rule as one SQL condition over a users_user alias and a rolodex_project alias. */
function userCanReadProject(user: ReturnType<typeof sql.ref>, project: ReturnType<typeof sql.ref>) {
  return sql<boolean>`(${user}.is_active AND (
      ${user}.role IN ('admin', 'manager') OR ${user}.is_staff OR ${user}.is_superuser
      OR EXISTS (SELECT 1 FROM rolodex_clientinvite AS ci WHERE ci.user_id = ${user}.id AND ci.client_id = ${project}.client_id)
      OR EXISTS (SELECT 1 FROM rolodex_projectinvite AS pi WHERE pi.user_id = ${user}.id AND pi.project_id = ${project}.id)
      OR EXISTS (SELECT 1 FROM rolodex_projectassignment AS pa WHERE pa.operator_id = ${user}.id AND pa.project_id = ${project}.id)
    ))`;
}

function toUser(row: { id: string; username: string; role: string; is_active: boolean; is_staff: boolean; is_superuser: boolean }): UserRow {
  return {
    id: String(row.id),
    username: row.username,
    role: row.role,
    isActive: row.is_active,
    isStaff: row.is_staff,
    isSuperuser: row.is_superuser,
  };
}
