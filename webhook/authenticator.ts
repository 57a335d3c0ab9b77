// Turns what a request presents into the webhook's answer. Order: no credential → the anonymous
// answer; a cached answer for this exact token → served from memory; otherwise the credential
// family is chosen by prefix as Ghostwriter does (gwst_, gwat_, else JWT) and fully verified.
// Hash work is skipped only when this exact token was verified before against the same stored
// hash (a "proof"); every other check always runs against the database on a miss.

import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Config } from "./config";
import type { Database } from "./db/schema";
import { OverloadedError } from "./errors";
import { AnswerCache, type CachedAnswer, type CredentialKind } from "./cache";
import { LruMap } from "./lru";
import { FailureLimiter } from "./failure-limiter";
import type { HashVerifier } from "./credentials/hash-verifier";
import { CredentialRejected, reject, type RejectionReason } from "./credentials/rejection";
import { opaqueKindOf, parseToken } from "./credentials/token-format";
import { verifyServiceToken, type SideEffect } from "./credentials/service-token";
import { verifyApiToken } from "./credentials/api-token";
import { COLLAB_JWT_TYPE, verifyGhostwriterJwt } from "./credentials/jwt";
import { verifyLoginSession } from "./credentials/login-jwt";
import { verifyCollabJwt } from "./credentials/collab-jwt";
import { anonymousAnswer, collabAnswer, serviceAnswer, userAnswer, withMaxAge, type SessionVariables } from "./hasura/answers";
import type { Presented } from "./hasura/request";
import type { UsageRecorder } from "./usage";
import { tokenLabel } from "./logger";

/** Roles Ghostwriter gives users; any other value in users_user.role is refused, not passed on. */
const USER_ROLES = new Set(["user", "manager", "admin"]);
const PROOF_TTL_MS = 60 * 60 * 1000;

export type AnswerKind = CredentialKind | "anonymous" | "jwt" | "malformed";

export type AuthResult =
  | { readonly status: 200; readonly body: SessionVariables; readonly kind: AnswerKind; readonly cache: "hit" | "miss" | "none"; readonly label: string }
  | { readonly status: 401; readonly kind: AnswerKind; readonly reason: RejectionReason; readonly label: string }
  | { readonly status: 503; readonly kind: AnswerKind; readonly reason: "overloaded" | "unavailable"; readonly label: string; readonly error?: unknown };

export interface AuthenticatorDeps {
  readonly db: Kysely<Database>;
  readonly config: Config;
  readonly cache: AnswerCache;
  readonly hashVerifier: HashVerifier;
  readonly usage: UsageRecorder;
  readonly jwtSecret: Uint8Array | undefined;
  readonly onSideEffect?: (effect: SideEffect) => void;
  readonly onHash?: (matched: boolean) => void;
  readonly clock?: () => number;
}

export class Authenticator {
  private readonly proofs: LruMap<string>;
  private readonly prefixFailures: FailureLimiter;
  private readonly clientFailures: FailureLimiter;
  private readonly clock: () => number;

  constructor(private readonly deps: AuthenticatorDeps) {
    const { config } = deps;
    this.clock = deps.clock ?? Date.now;
    // AUTH_CACHE_MAX_ENTRIES=0 turns off all reuse: every request is verified from scratch, hash
    // included, as Ghostwriter does (the benchmarks use it as their baseline).
    this.proofs = new LruMap<string>(config.cache.maxEntries === 0 ? 0 : Math.max(1000, config.cache.maxEntries));
    this.prefixFailures = new FailureLimiter({ limit: config.failureLimit.perPrefix, windowSeconds: config.failureLimit.windowSeconds }, this.clock);
    this.clientFailures = new FailureLimiter({ limit: config.failureLimit.perClient, windowSeconds: config.failureLimit.windowSeconds }, this.clock);
  }

  async authenticate(presented: Presented, clientAddress?: string): Promise<AuthResult> {
    if (presented.kind === "none") {
      if (!this.deps.config.anonymous.allowed) return { status: 401, kind: "anonymous", reason: "anonymous_disabled", label: "-" };
      return { status: 200, body: anonymousAnswer(this.deps.config.anonymous.role), kind: "anonymous", cache: "none", label: "-" };
    }
    if (presented.kind === "invalid") return { status: 401, kind: "malformed", reason: "malformed", label: "-" };

    const token = presented.token;
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.deps.cache.get(key);
    if (cached) return this.accept(cached, "hit");

    const kind = credentialKind(token);
    const label = tokenLabel(token);
    if (clientAddress !== undefined && this.clientFailures.isBlocked(clientAddress)) {
      return { status: 401, kind, reason: "rate_limited", label };
    }
    const ticket = this.deps.cache.ticket();
    try {
      const answer = await this.verify(token, key, kind);
      this.deps.cache.set(key, answer, ticket);
      return this.accept(answer, "miss");
    } catch (error) {
      if (error instanceof CredentialRejected) {
        if (clientAddress !== undefined) this.clientFailures.recordFailure(clientAddress);
        return { status: 401, kind, reason: error.reason, label };
      }
      if (error instanceof OverloadedError) return { status: 503, kind, reason: "overloaded", label };
      return { status: 503, kind, reason: "unavailable", label, error };
    }
  }

  private accept(answer: CachedAnswer, cache: "hit" | "miss"): AuthResult {
    if (answer.usage) this.deps.usage.note(answer.usage.table, answer.usage.id);
    const body = withMaxAge(answer.variables, this.deps.config.cache.maxAgeSeconds, answer.credentialExpiresAt, this.clock());
    return { status: 200, body, kind: answer.kind, cache, label: answer.label };
  }

  private async verify(token: string, key: string, kind: AnswerKind): Promise<CachedAnswer> {
    const now = new Date(this.clock());
    if (kind === "service_token" || kind === "api_token") {
      const parsed = parseToken(token);
      if (!parsed) return reject("malformed");
      const label = `${parsed.kind}_${parsed.prefix}`;
      const checkSecret = (table: string, record: { id: string; secretHash: string | null }) =>
        this.checkSecret(key, `${parsed.kind}:${parsed.prefix}`, `${table}:${record.id}:${record.secretHash}`, parsed.secret, record.secretHash);
      if (parsed.kind === "gwst") {
        const verified = await verifyServiceToken(
          { db: this.deps.db, checkSecret: (record) => checkSecret("st", record), onSideEffect: this.deps.onSideEffect, now: () => now },
          parsed.prefix,
        );
        const { record } = verified;
        return {
          kind: "service_token",
          variables: serviceAnswer({ principalName: record.principal.name, principalId: record.principal.id, tokenId: record.id, preset: verified.preset, oplogs: verified.oplogs }),
          credentialExpiresAt: record.expiryDate,
          usage: { table: "api_servicetoken", id: record.id },
          label,
          tags: [
            `st:${record.id}`, `sp:${record.principal.id}`, `u:${record.createdById}`, `u:${record.principal.createdById}`,
            ...verified.permissions.filter((p) => p.resourceType === "oplog").map((p) => `ol:${p.resourceId}`),
          ],
        };
      }
      const record = await verifyApiToken(this.deps.db, parsed.prefix, (r) => checkSecret("ak", r), now);
      return {
        kind: "api_token",
        variables: userAnswer({ id: record.user.id, username: record.user.username, role: userRole(record.user.role) }),
        credentialExpiresAt: record.expiryDate,
        usage: { table: "api_apikey", id: record.id },
        label,
        tags: [`ak:${record.id}`, `u:${record.user.id}`],
      };
    }
    return this.verifyJwt(token, now);
  }

  private async verifyJwt(token: string, now: Date): Promise<CachedAnswer> {
    const { config } = this.deps;
    if (!config.jwt.accept || !this.deps.jwtSecret) return reject("jwt_disabled");
    const jwt = await verifyGhostwriterJwt(token, { secret: this.deps.jwtSecret, audience: config.jwt.audience }, now);
    const jwtExpiry = new Date(jwt.payload.exp * 1000);
    if (jwt.type === COLLAB_JWT_TYPE) {
      const { user, scope } = await verifyCollabJwt(this.deps.db, jwt);
      return { kind: "collab_jwt", variables: collabAnswer(user, scope), credentialExpiresAt: jwtExpiry, label: `collab:${user.id}`, tags: [`u:${user.id}`] };
    }
    const session = await verifyLoginSession(this.deps.db, jwt, now);
    const expiresAt = new Date(Math.min(jwtExpiry.getTime(), session.expiresAt.getTime()));
    return {
      kind: "login_jwt",
      variables: userAnswer({ id: session.user.id, username: session.user.username, role: userRole(session.user.role) }),
      credentialExpiresAt: expiresAt,
      label: `session:${session.user.id}`,
      tags: [`us:${session.identifier}`, `u:${session.user.id}`],
    };
  }

  /**
   * A known-good proof skips the hash (and is renewed, so a holder in regular use keeps it);
   * otherwise the per-prefix failure limit gates hash work.
   */
  private async checkSecret(key: string, prefixKey: string, proof: string, secret: string, encoded: string | null): Promise<boolean> {
    if (this.proofs.get(key, this.clock()) === proof) {
      this.proofs.set(key, proof, this.clock() + PROOF_TTL_MS);
      return true;
    }
    if (!this.prefixFailures.tryBegin(prefixKey)) return reject("rate_limited");
    let failed = false;
    try {
      const matched = await this.deps.hashVerifier.check(secret, encoded);
      this.deps.onHash?.(matched);
      if (matched) this.proofs.set(key, proof, this.clock() + PROOF_TTL_MS);
      failed = !matched;
      return matched;
    } finally {
      this.prefixFailures.end(prefixKey, failed);
    }
  }
}

function credentialKind(token: string): AnswerKind {
  const opaque = opaqueKindOf(token);
  if (opaque === "gwst") return "service_token";
  if (opaque === "gwat") return "api_token";
  return "jwt";
}

function userRole(role: string): string {
  return USER_ROLES.has(role) ? role : reject("unsupported_role");
}
