// Reading the credential out of what Hasura sends. GET mode: the client's headers are the
// request's headers. POST mode: {"headers": {...}, "request": ...} with header names in whatever
// case the client used, so they are matched case-insensitively; `request` is ignored (object,
// array, null or absent). The bearer rule is Ghostwriter's: "Bearer" (case-sensitive), one space,
// a non-empty rest; anything else is "no credential".

import type { Request } from "express";

export type Presented = { readonly kind: "none" } | { readonly kind: "bearer"; readonly token: string } | { readonly kind: "invalid" };

/** The Authorization value(s) of a GET request (Express lower-cases header names). */
export function authorizationFromGet(req: Request): string | string[] | undefined {
  return req.headers.authorization;
}

/**
 * The Authorization value of a POST body. Several keys differing only in case with different
 * values make the request ambiguous, which is treated as invalid rather than guessed.
 */
export function authorizationFromPost(body: unknown): string | string[] | undefined | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const headers = (body as { headers?: unknown }).headers;
  if (headers === undefined) return undefined;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return null;
  const values = Object.entries(headers as Record<string, unknown>)
    .filter(([name]) => name.toLowerCase() === "authorization")
    .map(([, value]) => value);
  if (values.length === 0) return undefined;
  if (values.some((v) => typeof v !== "string")) return null;
  return values.length === 1 ? (values[0] as string) : (values as string[]);
}

/** Header value(s) of one name from a POST body (case-insensitive), for the trusted client address. */
export function headerFromPost(body: unknown, name: string): string | undefined {
  const headers = (body as { headers?: unknown } | null)?.headers;
  if (typeof headers !== "object" || headers === null) return undefined;
  const match = Object.entries(headers as Record<string, unknown>).find(([key, value]) => key.toLowerCase() === name && typeof value === "string");
  return match?.[1] as string | undefined;
}

export function presentedCredential(authorization: string | string[] | undefined | null): Presented {
  if (authorization === null) return { kind: "invalid" };
  if (authorization === undefined) return { kind: "none" };
  if (Array.isArray(authorization)) {
    return new Set(authorization).size === 1 ? presentedCredential(authorization[0]) : { kind: "invalid" };
  }
  const space = authorization.indexOf(" ");
  if (space === -1 || authorization.slice(0, space) !== "Bearer") return { kind: "none" };
  const token = authorization.slice(space + 1);
  return token === "" ? { kind: "none" } : { kind: "bearer", token };
}
