// The bodies the webhook returns, key for key as Ghostwriter's webhook returns them. Hasura
// decodes a 200 body as a flat object of strings (any other value fails the whole request), so
// every value is built as a string here and nowhere else.

import type { OplogAction } from "../credentials/service-scope";

export type SessionVariables = Readonly<Record<string, string>>;

/** Ghostwriter's neutral 401 body. */
export const DENIED_BODY = Object.freeze({
  message: "Received invalid authentication token",
  extensions: { code: "AuthenticationInvalid" },
});

/** 503: Hasura turns any non-200/401 status into an error for the client; never a grant. */
export const UNAVAILABLE_BODY = Object.freeze({
  message: "Authentication is temporarily unavailable",
  extensions: { code: "ServiceUnavailable" },
});

export function anonymousAnswer(role: string): SessionVariables {
  return { "X-Hasura-Role": role, "X-Hasura-User-Id": "-1", "X-Hasura-User-Name": "anonymous" };
}

export function userAnswer(user: { id: string; username: string; role: string }): SessionVariables {
  return { "X-Hasura-Role": user.role, "X-Hasura-User-Id": String(user.id), "X-Hasura-User-Name": user.username };
}

export interface CollabScope {
  readonly model: string;
  readonly objectId: string;
  readonly reportId: string;
  readonly findingId: string;
}

export function collabAnswer(user: { id: string; username: string }, scope: CollabScope): SessionVariables {
  return {
    "X-Hasura-Role": "collab",
    "X-Hasura-User-Id": String(user.id),
    "X-Hasura-User-Name": user.username,
    "X-Hasura-Collab-Model": scope.model,
    "X-Hasura-Collab-Object-Id": scope.objectId,
    "X-Hasura-Collab-Report-Id": scope.reportId,
    "X-Hasura-Collab-Finding-Id": scope.findingId,
  };
}

/** No X-Hasura-User-Id: service tokens do not become users. */
export function serviceAnswer(token: {
  principalName: string;
  principalId: string;
  tokenId: string;
  preset: string;
  oplogs: Record<OplogAction, string>;
}): SessionVariables {
  return {
    "X-Hasura-Role": "service",
    "X-Hasura-User-Name": token.principalName,
    "X-Hasura-Service-Principal-Id": String(token.principalId),
    "X-Hasura-Service-Token-Id": String(token.tokenId),
    "X-Hasura-Read-Oplog-Id": token.oplogs.read,
    "X-Hasura-Create-OplogEntry-Oplog-Id": token.oplogs.create,
    "X-Hasura-Update-OplogEntry-Oplog-Id": token.oplogs.update,
    "X-Hasura-Delete-OplogEntry-Oplog-Id": token.oplogs.delete,
    "X-Hasura-Principal-Type": "service",
    "X-Hasura-Service-Token-Preset": token.preset,
  };
}

/**
 * Adds the websocket expiry Hasura reads from the body (not from HTTP headers): the configured
 * ceiling, or less when the credential expires sooner. A ceiling of 0 (no answer caching) sets no
 * ceiling here — max-age=0 would make Hasura close every subscription at once — so only the
 * credential's own expiry applies, and a credential that never expires gets no key at all.
 */
export function withMaxAge(variables: SessionVariables, ceilingSeconds: number, expiresAt: Date | null, now: number): SessionVariables {
  const remaining = expiresAt === null ? Number.POSITIVE_INFINITY : Math.floor((expiresAt.getTime() - now) / 1000);
  const maxAge = Math.max(0, Math.min(ceilingSeconds > 0 ? ceilingSeconds : Number.POSITIVE_INFINITY, remaining));
  return Number.isFinite(maxAge) ? { ...variables, "Cache-Control": `max-age=${maxAge}` } : { ...variables };
}
