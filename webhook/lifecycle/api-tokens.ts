// User API tokens (`gwat_`): create for an active user, list, revoke, and change expiry — which,
// as in Ghostwriter, rotates the credential: a new prefix, secret and hash, shown once, and the
// old token stops working at once.

import { ConflictError, InvalidInputError, NotFoundError } from "../errors";
import { findApiKeyById, insertApiKey, listApiKeys, revokeApiKey, rotateApiKey, type ApiKeyRecord } from "../db/repositories/api-keys";
import { hashSecret } from "../credentials/django-hashers";
import { mintToken } from "../credentials/token-format";
import { parseExpiry } from "./expiry";
import { activeUser, existingUser, positiveId, requiredName } from "./service-tokens";
import type { LifecycleContext } from "./context";

export interface IssuedApiToken {
  /** Shown once; never stored and never shown again. */
  readonly token: string;
  readonly record: ApiKeyRecord;
}

export async function createApiToken(ctx: LifecycleContext, request: { user: string; name: string; expires: string | undefined }): Promise<IssuedApiToken> {
  const user = await activeUser(ctx.db, request.user, "user");
  const name = requiredName(request.name, "token name");
  const expiry = parseExpiry(request.expires, { now: ctx.now(), maxLifetimeDays: ctx.maxLifetimeDays });
  const minted = mintToken("gwat");
  const secretHash = await hashSecret(minted.secret, ctx.hashParameters);
  const id = await insertApiKey(ctx.db, { name, userId: user.id, prefix: minted.prefix, secretHash, expiryDate: expiry });
  return { token: minted.token, record: (await findApiKeyById(ctx.db, id)) as ApiKeyRecord };
}

export async function listUserApiTokens(ctx: LifecycleContext, filter: { user?: string; includeRevoked?: boolean }): Promise<ApiKeyRecord[]> {
  const userId = filter.user ? (await existingUser(ctx.db, filter.user)).id : undefined;
  return listApiKeys(ctx.db, { userId, includeRevoked: filter.includeRevoked });
}

export async function revokeApiToken(ctx: LifecycleContext, id: string): Promise<ApiKeyRecord> {
  const record = await existingApiKey(ctx, id);
  if (record.revoked) throw new ConflictError(`API token ${id} is already revoked`);
  // The UPDATE is guarded (revoked = false): of two racing revokes, only one reports success.
  if (!(await revokeApiKey(ctx.db, record.id))) throw new ConflictError(`API token ${id} is already revoked`);
  return (await findApiKeyById(ctx.db, record.id)) as ApiKeyRecord;
}

export async function changeApiTokenExpiry(ctx: LifecycleContext, id: string, expires: string | undefined): Promise<IssuedApiToken> {
  const record = await existingApiKey(ctx, id);
  if (record.revoked) throw new ConflictError("Revoked API tokens cannot be updated.");
  // In Ghostwriter only the logged-in owner rotates, so an inactive user never gets a replacement
  // (the webhook would refuse it anyway).
  if (!record.user.isActive) throw new InvalidInputError(`the user ${record.user.username} is not an active user`);
  const expiry = parseExpiry(expires, { now: ctx.now(), maxLifetimeDays: ctx.maxLifetimeDays });
  const minted = mintToken("gwat");
  const secretHash = await hashSecret(minted.secret, ctx.hashParameters);
  // Revoked while we hashed: refuse rather than print a replacement that can never work.
  if (!(await rotateApiKey(ctx.db, record.id, { prefix: minted.prefix, secretHash, expiryDate: expiry }))) {
    throw new ConflictError("Revoked API tokens cannot be updated.");
  }
  return { token: minted.token, record: (await findApiKeyById(ctx.db, record.id)) as ApiKeyRecord };
}

async function existingApiKey(ctx: LifecycleContext, id: string): Promise<ApiKeyRecord> {
  const record = await findApiKeyById(ctx.db, positiveId(id, "API token id"));
  if (!record) throw new NotFoundError(`API token ${id} does not exist`);
  return record;
}
