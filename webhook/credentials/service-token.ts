// `gwst_` service tokens, checked in Ghostwriter's order (get_valid_from_token): prefix lookup,
// secret, expiry, creator active (else revoke everything the creator made), the principal's creator
// active (else deactivate the principal and revoke its tokens), principal active, and the grants
// still within the creator's current access (stale selected projects are pruned; a token left with
// nothing, or with an oplog grant the creator can no longer reach, is revoked).

import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import {
  countPermissions,
  deactivatePrincipalAndRevokeTokens,
  deletePermissions,
  findServiceTokenById,
  findUsableServiceTokenByPrefix,
  revokeAllCredentialsOfCreator,
  revokeServiceToken,
  type PermissionRow,
  type ServiceTokenRecord,
} from "../db/repositories/service-tokens";
import { oplogAccess, readableProjectIds } from "../db/repositories/users";
import { reject, type RejectionReason } from "./rejection";
import { detectPreset, oplogScope, type OplogAction, type Preset } from "./service-scope";

export interface VerifiedServiceToken {
  readonly record: ServiceTokenRecord;
  /** The permission rows after pruning. */
  readonly permissions: readonly PermissionRow[];
  readonly preset: Preset;
  readonly oplogs: Record<OplogAction, string>;
}

export interface ServiceTokenChecks {
  /** May be a transaction: the side effects are plain statements (each idempotent), as in Django. */
  readonly db: Kysely<Database>;
  /** Verifies the presented secret against the stored hash (bounded, constant-time). */
  checkSecret(record: ServiceTokenRecord): Promise<boolean>;
  /** Called with each side effect, for logs ("revoked token 12: creator inactive"). */
  onSideEffect?(effect: SideEffect): void;
  readonly now?: () => Date;
}

export type SideEffect =
  | { kind: "revoked_creator_credentials"; userId: string }
  | { kind: "deactivated_principal"; principalId: string }
  | { kind: "pruned_grants"; tokenId: string; projectIds: string[] }
  | { kind: "revoked_token"; tokenId: string; reason: RejectionReason };

export async function verifyServiceToken(checks: ServiceTokenChecks, prefix: string): Promise<VerifiedServiceToken> {
  const record = await findUsableServiceTokenByPrefix(checks.db, prefix);
  if (!record) return reject("unknown_token");
  if (!(await checks.checkSecret(record))) return reject("bad_secret");
  return validateServiceToken(checks, record);
}

/** Every check after the secret (used as-is by `token-sidecar access --token-id`). */
export async function validateServiceTokenById(checks: Omit<ServiceTokenChecks, "checkSecret">, tokenId: string): Promise<VerifiedServiceToken> {
  const record = await findServiceTokenById(checks.db, tokenId);
  if (!record) return reject("unknown_token");
  if (record.revoked) return reject("revoked");
  return validateServiceToken(checks, record);
}

async function validateServiceToken(checks: Omit<ServiceTokenChecks, "checkSecret">, record: ServiceTokenRecord): Promise<VerifiedServiceToken> {
  const { db } = checks;
  const now = checks.now?.() ?? new Date();
  if (record.expiryDate !== null && record.expiryDate.getTime() < now.getTime()) return reject("expired");

  if (!record.creatorActive) {
    await revokeAllCredentialsOfCreator(db, record.createdById);
    checks.onSideEffect?.({ kind: "revoked_creator_credentials", userId: record.createdById });
    return reject("creator_inactive");
  }
  if (!record.principal.creatorActive) {
    await deactivatePrincipalAndRevokeTokens(db, record.principal.id);
    checks.onSideEffect?.({ kind: "deactivated_principal", principalId: record.principal.id });
    return reject("principal_creator_inactive");
  }
  if (!record.principal.active) return reject("principal_inactive");

  const permissions = await validateCurrentGrants(checks, record);
  return { record, permissions, preset: detectPreset(permissions), oplogs: oplogScope(permissions) };
}

async function validateCurrentGrants(checks: Omit<ServiceTokenChecks, "checkSecret">, record: ServiceTokenRecord): Promise<PermissionRow[]> {
  const { db } = checks;
  let permissions = [...record.permissions];
  const revoke = async (): Promise<never> => {
    await revokeServiceToken(db, record.id);
    checks.onSideEffect?.({ kind: "revoked_token", tokenId: record.id, reason: "grants_invalid" });
    return reject("grants_invalid");
  };

  // Ghostwriter prunes selected projects only when every project row names one: a token that
  // also holds the all-accessible row is left as it is (its allowed ids read as "all").
  const projectRows = permissions.filter((p) => p.resourceType === "project");
  const selected = projectRows.some((p) => p.resourceId === null) ? [] : projectRows;
  if (selected.length > 0) {
    const readable = await readableProjectIds(db, record.createdById, selected.map((p) => p.resourceId as string));
    const stale = selected.filter((p) => !readable.has(p.resourceId as string));
    if (stale.length > 0) {
      const staleIds = stale.map((p) => p.id);
      await deletePermissions(db, staleIds);
      checks.onSideEffect?.({ kind: "pruned_grants", tokenId: record.id, projectIds: stale.map((p) => p.resourceId as string) });
      permissions = permissions.filter((p) => !staleIds.includes(p.id));
      if ((await countPermissions(db, record.id)) === 0) return revoke();
    }
  }

  const oplogGrants = permissions.filter((p) => p.resourceType === "oplog");
  if (oplogGrants.length > 0) {
    if (oplogGrants.some((p) => p.resourceId === null)) return revoke();
    const access = await oplogAccess(db, record.createdById, [...new Set(oplogGrants.map((p) => p.resourceId as string))]);
    for (const grant of oplogGrants) {
      const oplog = access.get(grant.resourceId as string);
      // read needs user_can_view, the others user_can_edit; in 7.0 both mean "can view the project".
      if (!oplog?.exists || !oplog.viewable) return revoke();
    }
  }
  return permissions;
}
