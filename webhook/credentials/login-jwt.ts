// Login JWTs (`typ: ghostwriter-user+jwt`): after the signature, the `jti` must name a tracked
// session of the JWT's subject that is neither revoked nor expired, and the user must be active.

import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import { findSessionByIdentifier, type SessionRecord } from "../db/repositories/user-sessions";
import { reject } from "./rejection";
import type { VerifiedJwt } from "./jwt";

export async function verifyLoginSession(db: Kysely<Database>, jwt: VerifiedJwt, now: Date = new Date()): Promise<SessionRecord> {
  const jti = jwt.payload.jti;
  if (typeof jti !== "string" || jti === "") return reject("session_invalid");
  const session = await findSessionByIdentifier(db, jti);
  if (!session) return reject("session_invalid");
  if (session.user.id !== String(jwt.payload.sub)) return reject("session_invalid");
  if (session.revokedAt !== null) return reject("session_invalid");
  if (session.expiresAt.getTime() < now.getTime()) return reject("session_invalid");
  if (!session.user.isActive) return reject("user_inactive");
  return session;
}
