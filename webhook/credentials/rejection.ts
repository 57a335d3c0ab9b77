// Why a credential was refused. The caller always sees the same neutral 401; the reason goes to
// logs and metrics only, so operators can tell an expired token from a forged one.

import { SidecarError } from "../errors";

export type RejectionReason =
  | "malformed"
  | "unknown_token"
  | "bad_secret"
  | "expired"
  | "revoked"
  | "creator_inactive"
  | "principal_creator_inactive"
  | "principal_inactive"
  | "grants_invalid"
  | "user_inactive"
  | "unknown_user"
  | "unsupported_role"
  | "session_invalid"
  | "jwt_invalid"
  | "jwt_type"
  | "jwt_disabled"
  | "anonymous_disabled"
  | "rate_limited";

export class CredentialRejected extends SidecarError {
  readonly code = "CREDENTIAL_REJECTED";
  constructor(readonly reason: RejectionReason) {
    super(`credential rejected: ${reason}`);
  }
}

export function reject(reason: RejectionReason): never {
  throw new CredentialRejected(reason);
}
