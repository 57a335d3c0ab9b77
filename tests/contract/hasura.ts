// Requests shaped exactly as Hasura GraphQL Engine v2 sends them to an auth webhook (reference:
// hasura-contract.md §1.3-1.4), so the contract tests exercise what production sees.
//   GET mode: the client's headers minus Hasura's ignored list, with Content-Type and User-Agent
//   overridden. POST mode: {"headers": <all client headers, original case>, "request": <GraphQL
//   request | batch array | null>}, the "request" key absent when SEND_REQUEST_BODY=false.

import request from "supertest";
import type { Express } from "express";

export const HASURA_USER_AGENT = "hasura-graphql-engine/v2.39.0";

/** commonClientHeadersIgnored, as Hasura drops them in GET mode. */
const IGNORED_IN_GET = new Set([
  "content-length", "content-md5", "user-agent", "host", "origin", "referer", "accept", "accept-encoding",
  "accept-language", "accept-datetime", "cache-control", "connection", "dnt", "content-type",
]);

export type Mode = "GET" | "POST";
export type GraphqlBody = Record<string, unknown> | Record<string, unknown>[] | null | "absent";

/** What a typical client sends to Hasura along with its credential. */
export function clientHeaders(authorization?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Host: "hasura.example.com",
    "User-Agent": "python-requests/2.32",
    Accept: "*/*",
    "Content-Type": "application/json",
    "Content-Length": "87",
    "X-Request-Id": "5f2b3c1e",
    "X-Hasura-Role": "admin", // a client may ask for any role; the webhook must ignore it
    ...(authorization === undefined ? {} : { Authorization: authorization }),
    ...extra,
  };
}

export async function hasuraAsks(app: Express, mode: Mode, headers: Record<string, string>, graphql: GraphqlBody = { query: "query { oplog { id } }", operationName: "Q" }) {
  if (mode === "GET") {
    let req = request(app).get("/auth");
    for (const [name, value] of Object.entries(headers)) {
      if (!IGNORED_IN_GET.has(name.toLowerCase())) req = req.set(name, value);
    }
    return req.set("Content-Type", "application/json").set("User-Agent", HASURA_USER_AGENT);
  }
  const body: Record<string, unknown> = { headers };
  if (graphql !== "absent") body.request = graphql;
  return request(app).post("/auth").set("Content-Type", "application/json").set("User-Agent", HASURA_USER_AGENT).send(JSON.stringify(body));
}

/**
 * Hasura decodes a 200 body as HashMap Text Text: a flat object whose values are all strings, and
 * it needs a non-empty x-hasura-role (keys compared case-insensitively). Anything else fails the
 * client's request, so every 200 in the tests goes through this.
 */
export function assertHasuraAcceptable(body: unknown): asserts body is Record<string, string> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error(`200 body is not an object: ${JSON.stringify(body)}`);
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== "string") throw new Error(`session variable ${key} is not a string: ${JSON.stringify(value)}`);
  }
  const role = Object.entries(body).find(([key]) => key.toLowerCase() === "x-hasura-role")?.[1];
  if (!role) throw new Error("200 body has no x-hasura-role");
  const cacheControl = (body as Record<string, string>)["Cache-Control"];
  if (cacheControl !== undefined && !/^max-age=\d+$/.test(cacheControl)) throw new Error(`Cache-Control "${cacheControl}" is not max-age=<int>`);
}

export const DENIED = { message: "Received invalid authentication token", extensions: { code: "AuthenticationInvalid" } };
