// `gwat_` user API tokens (Ghostwriter's BaseAPIKeyManager): prefix lookup among unrevoked rows,
// secret (a NULL hash never matches: legacy rows must be rotated), expiry, then an active user.
// Access is whatever the user can do now; there is no scope.

import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import { findUsableApiKeyByPrefix, type ApiKeyRecord } from "../db/repositories/api-keys";
import { reject } from "./rejection";

export async function verifyApiToken(
  db: Kysely<Database>,
  prefix: string,
  checkSecret: (record: ApiKeyRecord) => Promise<boolean>,
  now: Date = new Date(),
): Promise<ApiKeyRecord> {
  const record = await findUsableApiKeyByPrefix(db, prefix);
  if (!record) return reject("unknown_token");
  if (!(await checkSecret(record))) return reject("bad_secret");
  if (record.expiryDate !== null && record.expiryDate.getTime() < now.getTime()) return reject("expired");
  if (!record.user.isActive) return reject("user_inactive");
  return record;
}
