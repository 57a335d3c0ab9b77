// Collab JWTs (`typ: ghostwriter-collab+jwt`): no session, only an active user; the answer pins
// the collab role to one object through four session variables. A missing, null or empty id is
// "-1"; an id of 0 is kept (Ghostwriter commit 261832cf). Ids must be whole numbers: they are
// compared with integer columns in Hasura, and anything else would fail the query, not the token.

import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import { findUserById, type UserRow } from "../db/repositories/users";
import type { CollabScope } from "../hasura/answers";
import { reject } from "./rejection";
import type { VerifiedJwt } from "./jwt";

export async function verifyCollabJwt(db: Kysely<Database>, jwt: VerifiedJwt): Promise<{ user: UserRow; scope: CollabScope }> {
  const scope = collabScope(jwt.payload);
  // users_user.id is a bigint: a longer subject could only fail inside PostgreSQL (a 503).
  if (!/^\d{1,18}$/.test(jwt.payload.sub)) return reject("jwt_invalid");
  const user = await findUserById(db, jwt.payload.sub);
  if (!user) return reject("unknown_user");
  if (!user.isActive) return reject("user_inactive");
  return { user, scope };
}

export function collabScope(payload: Record<string, unknown>): CollabScope {
  const model = payload.gw_collab_model;
  if (model !== undefined && model !== null && typeof model !== "string") return reject("jwt_invalid");
  return {
    model: model ?? "",
    objectId: collabId(payload.gw_collab_object_id),
    reportId: collabId(payload.gw_collab_report_id),
    findingId: collabId(payload.gw_collab_finding_id),
  };
}

function collabId(value: unknown): string {
  if (value === undefined || value === null || value === "") return "-1";
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  // BigInt, not Number: a long id must not be rounded into another object's id.
  if (typeof value === "string" && /^-?\d{1,18}$/.test(value)) return String(BigInt(value));
  return reject("jwt_invalid");
}
