// The opaque token strings, exactly as Ghostwriter mints them:
//   <kind>_<16 lowercase hex: public prefix>_<43 base64url chars: secret from 32 CSPRNG bytes>
// Only the prefix (for lookup) and a hash of the secret are ever stored.

import { randomBytes } from "node:crypto";

export type OpaqueKind = "gwst" | "gwat";

export interface OpaqueToken {
  readonly kind: OpaqueKind;
  readonly prefix: string;
  readonly secret: string;
}

export interface MintedToken extends OpaqueToken {
  /** The full token, shown to its owner once and never stored. */
  readonly token: string;
}

export const PREFIX_LENGTH = 16;
export const SECRET_LENGTH = 43;
export const TOKEN_LENGTH = 5 + PREFIX_LENGTH + 1 + SECRET_LENGTH;

/** For secret scanners; documented in docs/operations.md. */
export const TOKEN_PATTERN = /^(gwst|gwat)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function mintToken(kind: OpaqueKind): MintedToken {
  const prefix = randomBytes(PREFIX_LENGTH / 2).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { kind, prefix, secret, token: `${kind}_${prefix}_${secret}` };
}

/** Which credential family a bearer value claims to be, decided by prefix as Ghostwriter does. */
export function opaqueKindOf(bearer: string): OpaqueKind | undefined {
  if (bearer.startsWith("gwst_")) return "gwst";
  if (bearer.startsWith("gwat_")) return "gwat";
  return undefined;
}

/**
 * Splits a token, or returns undefined for any shape Ghostwriter could not have minted. Stricter
 * than Ghostwriter's split("_", 2) (which accepts any prefix text), and never matches fewer
 * tokens: every minted token has this exact shape.
 */
export function parseToken(bearer: string): OpaqueToken | undefined {
  if (bearer.length !== TOKEN_LENGTH) return undefined;
  const match = TOKEN_PATTERN.exec(bearer);
  if (!match) return undefined;
  return { kind: match[1] as OpaqueKind, prefix: match[2] as string, secret: match[3] as string };
}
