// Service principals and service tokens, with Ghostwriter's form rules (ServiceTokenForm): the
// creator is an active user who can edit the oplog / view the projects granted; a principal is an
// active one of the creator's, or a new name (reusing an active namesake, ignoring case); expiry
// is required and in the future. Everything is checked before the one transaction that writes.

import type { Kysely } from "kysely";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors";
import type { Database } from "../db/schema";
import {
  deactivatePrincipal as deactivatePrincipalRow,
  findActivePrincipalByName,
  findPrincipalById,
  insertPrincipal,
  listPrincipals,
  type PrincipalRow,
} from "../db/repositories/principals";
import {
  findServiceTokenById,
  insertServiceToken,
  listServiceTokens,
  revokeServiceToken as revokeServiceTokenRow,
  updateServiceTokenExpiry,
  type NewPermission,
  type ServiceTokenRecord,
} from "../db/repositories/service-tokens";
import { findUser, oplogAccess, readableProjectIds, type UserRow } from "../db/repositories/users";
import { hashSecret } from "../credentials/django-hashers";
import { mintToken } from "../credentials/token-format";
import { parseGrants, presetPermissions, type PresetRequest } from "../credentials/service-scope";
import { parseExpiry } from "./expiry";
import type { LifecycleContext } from "./context";

export type ScopeRequest = PresetRequest | { readonly preset: "custom"; readonly grants: readonly string[] };

export interface CreateServiceTokenRequest {
  readonly creator: string;
  readonly name: string;
  readonly expires: string | undefined;
  readonly principalId?: string;
  readonly newPrincipalName?: string;
  readonly scope: ScopeRequest;
}

export interface CreatedServiceToken {
  /** Shown once; never stored and never shown again. */
  readonly token: string;
  readonly record: ServiceTokenRecord;
  readonly principalReused: boolean;
}

export async function createServiceToken(ctx: LifecycleContext, request: CreateServiceTokenRequest): Promise<CreatedServiceToken> {
  const creator = await activeUser(ctx.db, request.creator, "creator");
  const name = requiredName(request.name, "token name");
  const expiry = parseExpiry(request.expires, { now: ctx.now(), maxLifetimeDays: ctx.maxLifetimeDays });
  const permissions = scopePermissions(request.scope);
  await assertCreatorMayGrant(ctx.db, creator, permissions);
  const principal = await choosePrincipal(ctx.db, creator, request);

  const minted = mintToken("gwst");
  const secretHash = await hashSecret(minted.secret, ctx.hashParameters);
  const id = await ctx.db.transaction().execute(async (trx) => {
    const principalId = principal.existing?.id ?? (await insertPrincipal(trx, { name: principal.newName as string, serviceType: "integration", ownerId: creator.id }));
    return insertServiceToken(trx, { name, prefix: minted.prefix, secretHash, expiryDate: expiry, createdById: creator.id, principalId }, permissions);
  });
  const record = (await findServiceTokenById(ctx.db, id)) as ServiceTokenRecord;
  return { token: minted.token, record, principalReused: principal.reused };
}

export async function listTokens(ctx: LifecycleContext, filter: { creator?: string; principalId?: string; includeRevoked?: boolean }): Promise<ServiceTokenRecord[]> {
  const createdById = filter.creator ? (await existingUser(ctx.db, filter.creator)).id : undefined;
  const principalId = filter.principalId === undefined ? undefined : positiveId(filter.principalId, "principal id");
  return listServiceTokens(ctx.db, { createdById, principalId, includeRevoked: filter.includeRevoked });
}

/** Revocation cannot be undone. Revoking an already revoked token is an error, so scripts notice. */
export async function revokeServiceToken(ctx: LifecycleContext, tokenId: string): Promise<ServiceTokenRecord> {
  const record = await existingToken(ctx.db, tokenId);
  if (record.revoked) throw new ConflictError(`service token ${tokenId} is already revoked`);
  // The UPDATE is guarded (revoked = false): of two racing revokes, only one reports success.
  if (!(await revokeServiceTokenRow(ctx.db, record.id))) throw new ConflictError(`service token ${tokenId} is already revoked`);
  return (await findServiceTokenById(ctx.db, record.id)) as ServiceTokenRecord;
}

/** Ghostwriter keeps the secret when a service token's expiry changes (no rotation). */
export async function changeServiceTokenExpiry(ctx: LifecycleContext, tokenId: string, expires: string | undefined): Promise<ServiceTokenRecord> {
  const record = await existingToken(ctx.db, tokenId);
  if (record.revoked) throw new ConflictError("Revoked service tokens cannot be updated.");
  const expiry = parseExpiry(expires, { now: ctx.now(), maxLifetimeDays: ctx.maxLifetimeDays });
  await updateServiceTokenExpiry(ctx.db, record.id, expiry);
  return (await findServiceTokenById(ctx.db, record.id)) as ServiceTokenRecord;
}

export async function createPrincipal(ctx: LifecycleContext, request: { owner: string; name: string }): Promise<{ principal: PrincipalRow; reused: boolean }> {
  const owner = await activeUser(ctx.db, request.owner, "owner");
  const name = requiredName(request.name, "principal name");
  const existing = await findActivePrincipalByName(ctx.db, owner.id, name);
  if (existing) return { principal: existing, reused: true };
  const id = await insertPrincipal(ctx.db, { name, serviceType: "integration", ownerId: owner.id });
  return { principal: (await findPrincipalById(ctx.db, id)) as PrincipalRow, reused: false };
}

export async function listAllPrincipals(ctx: LifecycleContext, filter: { owner?: string; includeInactive?: boolean }): Promise<PrincipalRow[]> {
  const ownerId = filter.owner ? (await existingUser(ctx.db, filter.owner)).id : undefined;
  return listPrincipals(ctx.db, { ownerId, includeInactive: filter.includeInactive });
}

/** Its tokens stop working at once (the principal-active check), and are not revoked. */
export async function deactivatePrincipal(ctx: LifecycleContext, principalId: string): Promise<PrincipalRow> {
  const principal = await findPrincipalById(ctx.db, positiveId(principalId, "principal id"));
  if (!principal) throw new NotFoundError(`service principal ${principalId} does not exist`);
  if (!principal.active) throw new ConflictError(`service principal ${principalId} is already inactive`);
  await deactivatePrincipalRow(ctx.db, principal.id);
  return (await findPrincipalById(ctx.db, principal.id)) as PrincipalRow;
}

function scopePermissions(scope: ScopeRequest): NewPermission[] {
  if (scope.preset === "custom") return parseGrants(scope.grants);
  if (scope.preset === "oplog_rw") return presetPermissions({ preset: "oplog_rw", oplogId: grantId(scope.oplogId, "oplog id") });
  if ("allAccessible" in scope) return presetPermissions(scope);
  return presetPermissions({ preset: "project_read", projectIds: scope.projectIds.map((id) => grantId(id, "project id")) });
}

/** ServiceTokenForm's clean_oplog / clean_projects: nothing the creator could not reach now. */
async function assertCreatorMayGrant(db: Kysely<Database>, creator: UserRow, permissions: readonly NewPermission[]): Promise<void> {
  const projectIds = permissions.filter((p) => p.resourceType === "project" && p.resourceId !== null).map((p) => p.resourceId as string);
  const readable = await readableProjectIds(db, creator.id, projectIds);
  const unreadable = projectIds.filter((id) => !readable.has(id));
  if (unreadable.length > 0) {
    throw new InvalidInputError(`${creator.username} cannot view project(s) ${unreadable.join(", ")} (or they do not exist)`);
  }
  const oplogIds = [...new Set(permissions.filter((p) => p.resourceType === "oplog").map((p) => p.resourceId as string))];
  const access = await oplogAccess(db, creator.id, oplogIds);
  for (const id of oplogIds) {
    const oplog = access.get(id);
    if (!oplog?.exists) throw new InvalidInputError(`oplog ${id} does not exist`);
    if (!oplog.viewable) throw new InvalidInputError(`You do not have permission to create a service token for this oplog (${creator.username}, oplog ${id})`);
  }
}

async function choosePrincipal(
  db: Kysely<Database>,
  creator: UserRow,
  request: CreateServiceTokenRequest,
): Promise<{ existing?: PrincipalRow; newName?: string; reused: boolean }> {
  const hasExisting = request.principalId !== undefined;
  const hasNew = request.newPrincipalName !== undefined && request.newPrincipalName.trim() !== "";
  if (hasExisting && hasNew) throw new InvalidInputError("Select an existing service principal or enter a new one, not both");
  if (!hasExisting && !hasNew) throw new InvalidInputError("Select an existing service principal or enter a new one");
  if (hasExisting) {
    const principal = await findPrincipalById(db, positiveId(request.principalId as string, "principal id"));
    if (!principal || principal.createdById !== creator.id || !principal.active) {
      throw new InvalidInputError(`service principal ${request.principalId} is not an active principal of ${creator.username}`);
    }
    return { existing: principal, reused: true };
  }
  const newName = requiredName(request.newPrincipalName as string, "principal name");
  const namesake = await findActivePrincipalByName(db, creator.id, newName);
  return namesake ? { existing: namesake, reused: true } : { newName, reused: false };
}

export async function activeUser(db: Kysely<Database>, idOrUsername: string, role: string): Promise<UserRow> {
  const user = await existingUser(db, idOrUsername);
  if (!user.isActive) throw new InvalidInputError(`the ${role} ${user.username} is not an active user`);
  return user;
}

export async function existingUser(db: Kysely<Database>, idOrUsername: string): Promise<UserRow> {
  const user = await findUser(db, idOrUsername);
  if (!user) throw new NotFoundError(`user ${idOrUsername} does not exist`);
  return user;
}

async function existingToken(db: Kysely<Database>, tokenId: string): Promise<ServiceTokenRecord> {
  const record = await findServiceTokenById(db, positiveId(tokenId, "token id"));
  if (!record) throw new NotFoundError(`service token ${tokenId} does not exist`);
  return record;
}

export function requiredName(value: string | undefined, what: string): string {
  const name = (value ?? "").trim();
  if (name === "") throw new InvalidInputError(`a ${what} is required`);
  if (name.length > 255) throw new InvalidInputError(`the ${what} is longer than 255 characters`);
  return name;
}

/** api_servicetokenpermission.resource_id is an integer column, so grants stop at 2^31 - 1. */
function grantId(value: string, what: string): string {
  const id = positiveId(value, what);
  if (Number(id) > 2_147_483_647) throw new InvalidInputError(`${what} "${value}" is out of range`);
  return id;
}

export function positiveId(value: string, what: string): string {
  const text = String(value).trim();
  if (!/^\d{1,18}$/.test(text) || Number(text) < 1) throw new InvalidInputError(`${what} "${value}" is not a positive whole number`);
  return String(BigInt(text));
}
