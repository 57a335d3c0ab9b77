// Login sessions: list, revoke (one-way), clear expired (Ghostwriter's clear_expired_sessions),
// and issue — a tracked session plus its login JWT, as Ghostwriter's login action does, for
// scripts and demos that need a user JWT without Django. Every timestamp written or compared comes
// from ctx.now(), so "live", "expired" and "revoked at" all follow one clock.

import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors";
import {
  deleteExpiredSessions,
  findSessionByIdentifier,
  insertSession,
  isSessionIdentifier,
  listSessions,
  revokeSession as revokeSessionRow,
  revokeSessionsOfUser,
  type SessionRecord,
} from "../db/repositories/user-sessions";
import { USER_JWT_TYPE } from "../credentials/jwt";
import { activeUser, existingUser } from "./service-tokens";
import type { LifecycleContext } from "./context";

/** Ghostwriter's JWT_EXPIRATION_DELTA. */
export const LOGIN_SESSION_MINUTES = 15;

export async function issueLoginSession(
  ctx: LifecycleContext,
  request: { user: string; minutes?: number; jwtSecret: string | undefined; audience: string },
): Promise<{ jwt: string; session: SessionRecord }> {
  if (!request.jwtSecret) throw new InvalidInputError("JWT_SECRET (or DJANGO_JWT_SECRET_KEY) is needed to sign a login JWT");
  const minutes = request.minutes ?? LOGIN_SESSION_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) throw new InvalidInputError("--minutes must be a whole number from 1 to 1440");
  const user = await activeUser(ctx.db, request.user, "user");
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + minutes * 60_000);
  const identifier = randomUUID();
  await insertSession(ctx.db, { identifier, userId: user.id, created: now, expiresAt });
  const session = (await findSessionByIdentifier(ctx.db, identifier)) as SessionRecord;
  // generate_jwt's payload: sub, sub_name, sub_email, aud, iat, exp, and the session's jti.
  const jwt = await new SignJWT({ sub_name: session.user.username, sub_email: session.user.email, jti: identifier })
    .setProtectedHeader({ alg: "HS256", typ: USER_JWT_TYPE })
    .setSubject(user.id)
    .setAudience(request.audience)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(new TextEncoder().encode(request.jwtSecret));
  return { jwt, session };
}

export async function listUserSessions(ctx: LifecycleContext, filter: { user?: string; includeInactive?: boolean }): Promise<SessionRecord[]> {
  const userId = filter.user ? (await existingUser(ctx.db, filter.user)).id : undefined;
  return listSessions(ctx.db, { userId, includeInactive: filter.includeInactive, now: ctx.now() });
}

export async function revokeSession(ctx: LifecycleContext, identifier: string, revokedBy?: string): Promise<SessionRecord> {
  // Text that cannot be a jti is a typing mistake (65), not a session that happens to be missing (66).
  if (!isSessionIdentifier(identifier)) throw new InvalidInputError(`session identifier "${identifier}" is not a UUID (the JWT's jti)`);
  const session = await findSessionByIdentifier(ctx.db, identifier);
  if (!session) throw new NotFoundError(`session ${identifier} does not exist`);
  if (session.revokedAt !== null) throw new ConflictError(`session ${identifier} is already revoked`);
  const revoker = revokedBy ? await existingUser(ctx.db, revokedBy) : undefined;
  // The guarded UPDATE (revoked_at IS NULL) keeps the first revocation if another one raced ours.
  if (!(await revokeSessionRow(ctx.db, session.identifier, revoker?.id ?? null, ctx.now()))) {
    throw new ConflictError(`session ${identifier} is already revoked`);
  }
  return (await findSessionByIdentifier(ctx.db, identifier)) as SessionRecord;
}

/** Every live (unrevoked, unexpired) session of the user; returns how many were revoked. */
export async function revokeAllSessionsOfUser(ctx: LifecycleContext, user: string, revokedBy?: string): Promise<number> {
  const target = await existingUser(ctx.db, user);
  const revoker = revokedBy ? await existingUser(ctx.db, revokedBy) : undefined;
  return revokeSessionsOfUser(ctx.db, target.id, revoker?.id ?? null, ctx.now());
}

export async function clearExpiredSessions(ctx: LifecycleContext): Promise<number> {
  return deleteExpiredSessions(ctx.db, ctx.now());
}
