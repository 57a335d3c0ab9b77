// The session variables Hasura would get, from the webhook's own credential code: for a token,
// exactly what /auth answers (an Authenticator with nothing cached and nothing recorded); for a
// service token id, the same checks minus the secret. Run inside the caller's transaction, so the
// side effects Ghostwriter's checks make (pruning, revocation) can be rolled back by a report.

import type { Kysely } from "kysely";
import { Authenticator } from "../webhook/authenticator";
import { AnswerCache } from "../webhook/cache";
import type { Config } from "../webhook/config";
import { HashVerifier } from "../webhook/credentials/hash-verifier";
import { validateServiceTokenById } from "../webhook/credentials/service-token";
import { CredentialRejected, type RejectionReason } from "../webhook/credentials/rejection";
import type { Database } from "../webhook/db/schema";
import { serviceAnswer, type SessionVariables } from "../webhook/hasura/answers";
import type { UsageRecorder } from "../webhook/usage";

export type SessionOutcome =
  | { readonly ok: true; readonly variables: SessionVariables }
  | { readonly ok: false; readonly reason: RejectionReason | "unavailable"; readonly detail?: string };

/** A report looks, it does not use: no last_used_at. */
const noUsage = { note: () => undefined } as unknown as UsageRecorder;

export async function sessionForToken(db: Kysely<Database>, config: Config, token: string, jwtSecret: string | undefined): Promise<SessionOutcome> {
  const authenticator = new Authenticator({
    db,
    config,
    cache: new AnswerCache({ maxEntries: 0, maxAgeSeconds: 0 }),
    hashVerifier: new HashVerifier({ concurrency: 1, queueLimit: 0 }),
    usage: noUsage,
    jwtSecret: jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined,
  });
  const result = await authenticator.authenticate({ kind: "bearer", token });
  if (result.status === 200) return { ok: true, variables: result.body };
  if (result.status === 401) return { ok: false, reason: result.reason };
  return { ok: false, reason: "unavailable", detail: result.error instanceof Error ? result.error.message : undefined };
}

export async function sessionForServiceTokenId(db: Kysely<Database>, tokenId: string): Promise<SessionOutcome> {
  try {
    const verified = await validateServiceTokenById({ db }, tokenId);
    const { record } = verified;
    return {
      ok: true,
      variables: serviceAnswer({ principalName: record.principal.name, principalId: record.principal.id, tokenId: record.id, preset: verified.preset, oplogs: verified.oplogs }),
    };
  } catch (error) {
    if (error instanceof CredentialRejected) return { ok: false, reason: error.reason };
    throw error;
  }
}
