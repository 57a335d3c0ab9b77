// Every row of the webhook's answer table, in Hasura's GET and POST modes, against a real
// database: Ghostwriter's session variables key for key, the neutral 401, and string-only bodies.

import { sql } from "kysely";
import { SignJWT } from "jose";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { assertHasuraAcceptable, clientHeaders, DENIED, hasuraAsks, type Mode } from "./hasura";
import { startTestSidecar, type TestSidecar } from "./sidecar";
import { apiToken, buildWorld, collabJwt, JWT_SECRET, loginJwt, serviceToken, type World } from "./world";

let database: TestDatabase;
let world: World;
let sidecar: TestSidecar;

beforeAll(async () => {
  database = await createTestDatabase("migrated");
  world = await buildWorld(database.db);
  sidecar = await startTestSidecar(database.handle);
});
afterAll(async () => {
  await sidecar.stop();
  await database.close();
});

const bearer = (token: string) => clientHeaders(`Bearer ${token}`);

describe.each<Mode>(["GET", "POST"])("%s /auth", (mode) => {
  const ask = (headers: Record<string, string>, graphql?: Parameters<typeof hasuraAsks>[3]) => hasuraAsks(sidecar.app, mode, headers, graphql);

  async function expectAllowed(headers: Record<string, string>) {
    const res = await ask(headers);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    assertHasuraAcceptable(res.body);
    return res.body as Record<string, string>;
  }

  async function expectDenied(headers: Record<string, string>) {
    const res = await ask(headers);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(DENIED);
  }

  describe("no credential", () => {
    it.each([
      ["no Authorization header", clientHeaders()],
      ["a Basic credential", clientHeaders("Basic dXNlcjpwYXNz")],
      ["a lower-case bearer scheme", clientHeaders("bearer gwst_0000000000000000_x")],
      ["a bare Bearer", clientHeaders("Bearer")],
    ])("%s gets the anonymous answer", async (_what, headers) => {
      expect(await expectAllowed(headers)).toEqual({ "X-Hasura-Role": "public", "X-Hasura-User-Id": "-1", "X-Hasura-User-Name": "anonymous" });
    });
  });

  describe("service tokens (gwst_)", () => {
    it("oplog_rw: Ghostwriter's variables, the preset, max-age, and no user id", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog }, { principal: "Mythic Sync" });
      const body = await expectAllowed(bearer(t.token));
      const log = world.oplogs.alphaLog;
      expect(body).toEqual({
        "X-Hasura-Role": "service",
        "X-Hasura-User-Name": "Mythic Sync",
        "X-Hasura-Service-Principal-Id": t.principalId,
        "X-Hasura-Service-Token-Id": t.id,
        "X-Hasura-Read-Oplog-Id": log,
        "X-Hasura-Create-OplogEntry-Oplog-Id": log,
        "X-Hasura-Update-OplogEntry-Oplog-Id": log,
        "X-Hasura-Delete-OplogEntry-Oplog-Id": log,
        "X-Hasura-Principal-Type": "service",
        "X-Hasura-Service-Token-Preset": "oplog_rw",
        "Cache-Control": "max-age=60",
      });
    });

    it("project_read on selected projects: preset project_read, every oplog variable -1", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "project_read", projectIds: [world.projects.alpha, world.projects.bravo] });
      const body = await expectAllowed(bearer(t.token));
      expect(body["X-Hasura-Service-Token-Preset"]).toBe("project_read");
      for (const key of ["X-Hasura-Read-Oplog-Id", "X-Hasura-Create-OplogEntry-Oplog-Id", "X-Hasura-Update-OplogEntry-Oplog-Id", "X-Hasura-Delete-OplogEntry-Oplog-Id"]) {
        expect(body[key]).toBe("-1");
      }
      expect(body).not.toHaveProperty("X-Hasura-User-Id");
    });

    it("all accessible projects: project_read", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "project_read", allAccessible: true });
      expect((await expectAllowed(bearer(t.token)))["X-Hasura-Service-Token-Preset"]).toBe("project_read");
    });

    it("a read-only oplog token is custom, with only the read variable set", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "custom", grants: [`oplog:${world.oplogs.bravoLog}:read`] });
      const body = await expectAllowed(bearer(t.token));
      expect(body["X-Hasura-Service-Token-Preset"]).toBe("custom");
      expect(body["X-Hasura-Read-Oplog-Id"]).toBe(world.oplogs.bravoLog);
      expect(body["X-Hasura-Create-OplogEntry-Oplog-Id"]).toBe("-1");
    });

    it("two oplogs for one action cannot be expressed to Hasura: -1", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "custom", grants: [`oplog:${world.oplogs.alphaLog}:read`, `oplog:${world.oplogs.bravoLog}:read`, `project:${world.projects.alpha}:read`] });
      const body = await expectAllowed(bearer(t.token));
      expect(body["X-Hasura-Read-Oplog-Id"]).toBe("-1");
      expect(body["X-Hasura-Service-Token-Preset"]).toBe("custom");
    });

    it("max-age never outlives the token", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog }, { expires: "30m" });
      await sql`UPDATE api_servicetoken SET expiry_date = now() + interval '20 seconds' WHERE id = ${t.id}::bigint`.execute(database.db);
      const maxAge = Number((await expectAllowed(bearer(t.token)))["Cache-Control"]?.replace("max-age=", ""));
      expect(maxAge).toBeGreaterThan(15);
      expect(maxAge).toBeLessThanOrEqual(20);
    });

    it("a wrong secret, an unknown prefix or a malformed token: 401", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
      const wrongSecret = `${t.token.slice(0, 22)}${"A".repeat(43)}`;
      await expectDenied(bearer(wrongSecret));
      await expectDenied(bearer(`gwst_ffffffffffffffff_${"B".repeat(43)}`));
      await expectDenied(bearer(t.token.slice(0, -1)));
      await expectDenied(bearer(`${t.token}x`));
      await expectDenied(bearer(t.token.toUpperCase()));
      await expectDenied(bearer("gwst_"));
    });

    it("revoked and expired tokens: 401", async () => {
      const revoked = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
      await sql`UPDATE api_servicetoken SET revoked = true WHERE id = ${revoked.id}::bigint`.execute(database.db);
      await expectDenied(bearer(revoked.token));
      const expired = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
      await sql`UPDATE api_servicetoken SET expiry_date = now() - interval '1 second' WHERE id = ${expired.id}::bigint`.execute(database.db);
      await expectDenied(bearer(expired.token));
    });

    it("an inactive principal: 401", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
      await sql`UPDATE api_serviceprincipal SET active = false WHERE id = ${t.principalId}::bigint`.execute(database.db);
      await expectDenied(bearer(t.token));
    });

    it("the role a client asks for is ignored", async () => {
      const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
      const body = await expectAllowed({ ...bearer(t.token), "X-Hasura-Role": "admin", "x-hasura-admin-secret": "guess" });
      expect(body["X-Hasura-Role"]).toBe("service");
    });
  });

  describe("user API tokens (gwat_)", () => {
    it("answer as the user, with the user's role", async () => {
      const t = await apiToken(world, world.users.manager);
      const body = await expectAllowed(bearer(t.token));
      expect(body).toEqual({ "X-Hasura-Role": "manager", "X-Hasura-User-Id": world.users.manager, "X-Hasura-User-Name": "mia", "Cache-Control": "max-age=60" });
    });

    it("revoked, expired, inactive user, legacy rows without a hash: 401", async () => {
      const revoked = await apiToken(world, world.users.alice);
      await sql`UPDATE api_apikey SET revoked = true WHERE id = ${revoked.id}::bigint`.execute(database.db);
      await expectDenied(bearer(revoked.token));
      const expired = await apiToken(world, world.users.alice);
      await sql`UPDATE api_apikey SET expiry_date = now() - interval '1 minute' WHERE id = ${expired.id}::bigint`.execute(database.db);
      await expectDenied(bearer(expired.token));
      const legacy = await apiToken(world, world.users.carol);
      await sql`UPDATE api_apikey SET secret_hash = NULL WHERE id = ${legacy.id}::bigint`.execute(database.db);
      await expectDenied(bearer(legacy.token));
      const later = await apiToken(world, world.users.bob);
      await sql`UPDATE users_user SET is_active = false WHERE id = ${world.users.bob}::bigint`.execute(database.db);
      try {
        await expectDenied(bearer(later.token));
      } finally {
        await sql`UPDATE users_user SET is_active = true WHERE id = ${world.users.bob}::bigint`.execute(database.db);
      }
    });

    it("a user whose role is not one of Ghostwriter's is refused rather than passed to Hasura", async () => {
      const t = await apiToken(world, world.users.carol);
      await sql`UPDATE users_user SET role = 'service' WHERE id = ${world.users.carol}::bigint`.execute(database.db);
      try {
        await expectDenied(bearer(t.token));
      } finally {
        await sql`UPDATE users_user SET role = 'user' WHERE id = ${world.users.carol}::bigint`.execute(database.db);
      }
    });
  });

  describe("login JWTs", () => {
    it("a live session: the user's answer, max-age within the session", async () => {
      const { jwt } = await loginJwt(world, world.users.alice, 15);
      const body = await expectAllowed(bearer(jwt));
      expect(body["X-Hasura-Role"]).toBe("user");
      expect(body["X-Hasura-User-Id"]).toBe(world.users.alice);
      expect(body["X-Hasura-User-Name"]).toBe("alice");
      expect(Number(body["Cache-Control"]?.slice("max-age=".length))).toBeLessThanOrEqual(60);
    });

    it("a revoked session, or one belonging to someone else: 401", async () => {
      const { jwt, session } = await loginJwt(world, world.users.alice);
      await sql`UPDATE api_usersession SET revoked_at = now() WHERE identifier = ${session.identifier}::uuid`.execute(database.db);
      await expectDenied(bearer(jwt));
      const other = await loginJwt(world, world.users.carol);
      const forged = await sign({ sub: world.users.alice, jti: other.session.identifier }, { typ: "ghostwriter-user+jwt" });
      await expectDenied(bearer(forged));
    });

    it("missing or unknown jti, bad signature, alg none, wrong audience, legacy typ: 401", async () => {
      await expectDenied(bearer(await sign({ sub: world.users.alice }, { typ: "ghostwriter-user+jwt" })));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: "00000000-0000-4000-8000-000000000000" }, { typ: "ghostwriter-user+jwt" })));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: "not-a-uuid" }, { typ: "ghostwriter-user+jwt" })));
      const { jwt, session } = await loginJwt(world, world.users.alice);
      await expectDenied(bearer(tamperSignature(jwt)));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: session.identifier }, { typ: "ghostwriter-user+jwt", secret: "another-secret-another-secret-another" })));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: session.identifier }, { typ: "ghostwriter-user+jwt", audience: "Elsewhere" })));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: session.identifier }, { typ: "JWT" })));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: session.identifier }, {})));
      const header = Buffer.from(JSON.stringify({ alg: "none", typ: "ghostwriter-user+jwt" })).toString("base64url");
      const payload = Buffer.from(JSON.stringify({ sub: world.users.alice, jti: session.identifier, aud: "Ghostwriter", exp: Math.floor(Date.now() / 1000) + 600 })).toString("base64url");
      await expectDenied(bearer(`${header}.${payload}.`));
      await expectDenied(bearer("not.a.jwt"));
      await expectDenied(bearer("garbage"));
    });

    it("expiry has 10 seconds of leeway, and no more", async () => {
      const { session } = await loginJwt(world, world.users.alice);
      const now = Math.floor(Date.now() / 1000);
      await expectAllowed(bearer(await sign({ sub: world.users.alice, jti: session.identifier }, { typ: "ghostwriter-user+jwt", exp: now - 5 })));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: session.identifier }, { typ: "ghostwriter-user+jwt", exp: now - 30 })));
      await expectDenied(bearer(await sign({ sub: world.users.alice, jti: session.identifier }, { typ: "ghostwriter-user+jwt", exp: null })));
    });
  });

  describe("collab JWTs", () => {
    it("the collab role with the four scope variables (0 kept, missing -1)", async () => {
      const jwt = await collabJwt({ gw_collab_model: "report", gw_collab_object_id: 0, gw_collab_report_id: 0 }, { sub: world.users.alice });
      const body = await expectAllowed(bearer(jwt));
      expect(body).toEqual({
        "X-Hasura-Role": "collab",
        "X-Hasura-User-Id": world.users.alice,
        "X-Hasura-User-Name": "alice",
        "X-Hasura-Collab-Model": "report",
        "X-Hasura-Collab-Object-Id": "0",
        "X-Hasura-Collab-Report-Id": "0",
        "X-Hasura-Collab-Finding-Id": "-1",
        "Cache-Control": "max-age=60",
      });
    });

    it("an inactive or unknown user, or an unknown typ: 401", async () => {
      await expectDenied(bearer(await collabJwt({}, { sub: world.users.inactive })));
      await expectDenied(bearer(await collabJwt({}, { sub: "999999" })));
      await expectDenied(bearer(await collabJwt({}, { sub: world.users.alice, typ: "ghostwriter-other+jwt" })));
    });
  });

  if (mode === "POST") {
    it.each([
      ["a GraphQL request object", { query: "{ a }", operationName: "A", variables: { x: 1 } }],
      ["a batched request", [{ query: "{ a }" }, { query: "{ b }" }]],
      ["null (websocket init, or an invalid body)", null],
      ["absent (SEND_REQUEST_BODY=false)", "absent" as const],
    ])("the answer is the same whatever `request` holds: %s", async (_what, graphql) => {
      const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
      const res = await ask({ authorization: `Bearer ${t.token}` }, graphql);
      expect(res.status).toBe(200);
      expect(res.body["X-Hasura-Service-Token-Id"]).toBe(t.id);
    });

    it("an unreadable body is a 401, never a 500", async () => {
      const request = (await import("supertest")).default;
      for (const body of ["not json", "[1,2]", '{"headers": "x"}', '{"headers": {"Authorization": 5}}']) {
        const res = await request(sidecar.app).post("/auth").set("Content-Type", "application/json").send(body);
        expect(res.status).toBe(401);
        expect(res.body).toEqual(DENIED);
      }
    });
  }
});

async function sign(claims: Record<string, unknown>, options: { typ?: string; secret?: string; audience?: string; exp?: number | null }) {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader(options.typ ? { alg: "HS256", typ: options.typ } : { alg: "HS256" }).setAudience(options.audience ?? "Ghostwriter").setIssuedAt(now);
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? now + 600);
  if (typeof claims.sub === "string") jwt = jwt.setSubject(claims.sub);
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** Changes the first signature character (which carries only signature bits) to another one. */
function tamperSignature(jwt: string): string {
  const dot = jwt.lastIndexOf(".") + 1;
  const replacement = jwt[dot] === "A" ? "B" : "A";
  return `${jwt.slice(0, dot)}${replacement}${jwt.slice(dot + 1)}`;
}
