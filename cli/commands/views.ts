// How lifecycle records are shown, as table rows and as --json objects (one shape per record).

import type { ApiKeyRecord } from "../../webhook/db/repositories/api-keys";
import type { PrincipalRow } from "../../webhook/db/repositories/principals";
import type { ServiceTokenRecord } from "../../webhook/db/repositories/service-tokens";
import type { SessionRecord } from "../../webhook/db/repositories/user-sessions";
import { detectPreset, scopeSummary } from "../../webhook/credentials/service-scope";

export function tokenStatus(record: { revoked: boolean; expiryDate: Date | null }, now: Date): string {
  if (record.revoked) return "revoked";
  if (record.expiryDate !== null && record.expiryDate.getTime() < now.getTime()) return "expired";
  return "active";
}

export function serviceTokenJson(record: ServiceTokenRecord, now: Date) {
  return {
    id: record.id,
    name: record.name,
    prefix: `gwst_${record.prefix}`,
    status: tokenStatus(record, now),
    principal: { id: record.principal.id, name: record.principal.name, active: record.principal.active },
    creator: record.creatorUsername,
    created: record.created.toISOString(),
    expires: record.expiryDate?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    preset: detectPreset(record.permissions),
    scope: scopeSummary(record.permissions),
    permissions: record.permissions.map((p) => ({ resourceType: p.resourceType, resourceId: p.resourceId, action: p.action, constraints: p.constraints })),
  };
}

export function serviceTokenRow(record: ServiceTokenRecord, now: Date) {
  return [record.id, record.name, `gwst_${record.prefix}`, record.principal.name, scopeSummary(record.permissions), tokenStatus(record, now), record.expiryDate, record.lastUsedAt] as const;
}
export const SERVICE_TOKEN_HEADERS = ["ID", "NAME", "PREFIX", "PRINCIPAL", "SCOPE", "STATUS", "EXPIRES", "LAST USED"];

export function apiKeyJson(record: ApiKeyRecord, now: Date) {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix ? `gwat_${record.prefix}` : null,
    status: record.prefix === null ? "legacy (must be rotated)" : tokenStatus(record, now),
    user: record.user.username,
    created: record.created.toISOString(),
    expires: record.expiryDate?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
  };
}

export function apiKeyRow(record: ApiKeyRecord, now: Date) {
  const view = apiKeyJson(record, now);
  return [record.id, record.name, view.prefix, record.user.username, view.status, record.expiryDate, record.lastUsedAt] as const;
}
export const API_KEY_HEADERS = ["ID", "NAME", "PREFIX", "USER", "STATUS", "EXPIRES", "LAST USED"];

export function principalJson(principal: PrincipalRow) {
  return {
    id: principal.id,
    name: principal.name,
    serviceType: principal.serviceType,
    active: principal.active,
    owner: principal.createdByUsername,
    created: principal.created.toISOString(),
    usableTokens: principal.usableTokens,
  };
}

export function principalRow(principal: PrincipalRow) {
  return [principal.id, principal.name, principal.serviceType, principal.active ? "active" : "inactive", principal.createdByUsername, principal.usableTokens] as const;
}
export const PRINCIPAL_HEADERS = ["ID", "NAME", "TYPE", "STATUS", "OWNER", "TOKENS"];

export function sessionJson(session: SessionRecord, now: Date) {
  const status = session.revokedAt !== null ? "revoked" : session.expiresAt.getTime() < now.getTime() ? "expired" : "active";
  return {
    id: session.id,
    identifier: session.identifier,
    user: session.user.username,
    status,
    created: session.created.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    revokedAt: session.revokedAt?.toISOString() ?? null,
  };
}

export function sessionRow(session: SessionRecord, now: Date) {
  const view = sessionJson(session, now);
  return [session.identifier, session.user.username, view.status, session.created, session.expiresAt] as const;
}
export const SESSION_HEADERS = ["IDENTIFIER (jti)", "USER", "STATUS", "CREATED", "EXPIRES"];
