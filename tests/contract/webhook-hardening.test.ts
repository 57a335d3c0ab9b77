// Edges found in review: concurrent wrong secrets cannot outrun the per-prefix limit; a holder in
// regular use keeps its proof; the client address is the one the operator's proxy appended; every
// spelling of /auth answers an unreadable body with 401 and logs nothing of it; a long collab id
// is refused rather than rounded; AUTH_CACHE_MAX_AGE_SECONDS=0 keeps websockets open; and a
// token holding both the all-accessible row and selected projects is not pruned (Ghostwriter's
// get_allowed_project_ids reads as "all" then).

import request from "supertest";
import { sql } from "kysely";
import { SignJWT } from "jose";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { clientHeaders, hasuraAsks } from "./hasura";
import { countingHashVerifier, startTestSidecar } from "./sidecar";
import { assign, buildWorld, insertUser, JWT_SECRET, serviceToken, type World } from "./world";

let database: TestDatabase;
let world: World;

beforeAll(async () => {
  database = await createTestDatabase("migrated");
  world = await buildWorld(database.db);
});
afterAll(async () => {
  await database.close();
});

const ask = (app: Parameters<typeof hasuraAsks>[0], token: string, extra: Record<string, string> = {}) =>
  hasuraAsks(app, "GET", clientHeaders(`Bearer ${token}`, extra));
const oplogToken = () => serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
const forged = (token: string, i: number) => `${token.slice(0, 22)}${String(i).padStart(43, "x")}`;

it("a burst of concurrent wrong secrets buys no more hash work than the limit", async () => {
  const hashes = countingHashVerifier({ concurrency: 2, queueLimit: 100 });
  const sidecar = await startTestSidecar(database.handle, { AUTH_FAILURE_LIMIT: "5" }, { hashVerifier: hashes.verifier });
  try {
    const t = await oplogToken();
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => ask(sidecar.app, forged(t.token, i)).then((r) => r.status)));
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(hashes.count).toBe(5);
  } finally {
    await sidecar.stop();
  }
});

it("a holder's proof is renewed by use, so it outlives its first hour while the prefix is flooded", async () => {
  let now = Date.now();
  const hashes = countingHashVerifier({ concurrency: 2, queueLimit: 64 });
  const sidecar = await startTestSidecar(database.handle, { AUTH_FAILURE_LIMIT: "3", AUTH_CACHE_MAX_AGE_SECONDS: "1" }, { hashVerifier: hashes.verifier, clock: () => now });
  try {
    const t = await oplogToken();
    expect((await ask(sidecar.app, t.token)).status).toBe(200);
    for (let minute = 0; minute < 150; minute += 30) {
      now += 30 * 60_000;
      expect((await ask(sidecar.app, t.token)).status).toBe(200);
    }
    for (let i = 0; i < 10; i += 1) expect((await ask(sidecar.app, forged(t.token, i))).status).toBe(401);
    expect((await ask(sidecar.app, t.token)).status).toBe(200);
    expect(hashes.count).toBe(1 + 3);
  } finally {
    await sidecar.stop();
  }
});

it("counts failures against the address the proxy appended, not one the client wrote before it", async () => {
  const sidecar = await startTestSidecar(database.handle, { TRUSTED_CLIENT_IP_HEADER: "X-Forwarded-For", AUTH_CLIENT_FAILURE_LIMIT: "3" });
  try {
    const victim = "192.0.2.7";
    for (let i = 0; i < 5; i += 1) {
      // The attacker (203.0.113.99, appended by the proxy) names the victim first.
      const res = await ask(sidecar.app, `gwst_${String(i).padStart(16, "0")}_${"z".repeat(43)}`, { "X-Forwarded-For": `${victim}, 203.0.113.99` });
      expect(res.status).toBe(401);
    }
    const t = await oplogToken();
    expect((await ask(sidecar.app, t.token, { "X-Forwarded-For": victim })).status).toBe(200);
    sidecar.sidecar.cache.invalidate(["all"]);
    // Rotating the spoofed first entry does not escape the limit either.
    expect((await ask(sidecar.app, t.token, { "X-Forwarded-For": "198.51.100.1, 203.0.113.99" })).status).toBe(401);
  } finally {
    await sidecar.stop();
  }
});

it.each(["/auth", "/auth/", "/AUTH", "/Auth/"])("POST %s with an unreadable body: 401, and no token text in any log line", async (path) => {
  const sidecar = await startTestSidecar(database.handle, { LOG_LEVEL: "trace" });
  try {
    const t = await oplogToken();
    const truncated = `{"headers":{"Authorization":"Bearer ${t.token}"`;
    const res = await request(sidecar.app).post(path).set("Content-Type", "application/json").send(truncated);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "Received invalid authentication token", extensions: { code: "AuthenticationInvalid" } });
    const secret = t.token.slice("gwst_0123456789abcdef_".length);
    expect(sidecar.logs.join("")).not.toContain(secret);
    expect(sidecar.logs.join("")).toContain("unreadable_body");
  } finally {
    await sidecar.stop();
  }
});

describe("collab ids", () => {
  const collab = (claims: Record<string, unknown>, sub: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "ghostwriter-collab+jwt" }).setSubject(sub).setAudience("Ghostwriter").setExpirationTime("5m").sign(new TextEncoder().encode(JWT_SECRET));

  it("keeps a long id exact, and refuses one longer than a bigint or a subject that is no user id", async () => {
    const sidecar = await startTestSidecar(database.handle);
    try {
      const exact = await ask(sidecar.app, await collab({ gw_collab_model: "report", gw_collab_object_id: "900719925474099312" }, world.users.alice));
      expect(exact.status).toBe(200);
      expect(exact.body["X-Hasura-Collab-Object-Id"]).toBe("900719925474099312");
      expect((await ask(sidecar.app, await collab({ gw_collab_object_id: "99999999999999999999999" }, world.users.alice))).status).toBe(401);
      expect((await ask(sidecar.app, await collab({}, "99999999999999999999999"))).status).toBe(401);
      expect(sidecar.logs.join("")).not.toContain('"level":50');
    } finally {
      await sidecar.stop();
    }
  });
});

it("with AUTH_CACHE_MAX_AGE_SECONDS=0 sends no max-age=0 (which would close every websocket at once)", async () => {
  const sidecar = await startTestSidecar(database.handle, { AUTH_CACHE_MAX_AGE_SECONDS: "0" });
  try {
    const t = await oplogToken();
    const res = await ask(sidecar.app, t.token);
    expect(res.status).toBe(200);
    const maxAge = Number(/^max-age=(\d+)$/.exec(res.body["Cache-Control"])?.[1]);
    // The token's own expiry (30 days in the world's helper) is all that is left to bound it.
    expect(maxAge).toBeGreaterThan(60);
  } finally {
    await sidecar.stop();
  }
});

it("a token with the all-accessible row and a selected project is not pruned when the project is lost", async () => {
  const sidecar = await startTestSidecar(database.handle);
  try {
    const dana = await insertUser(database.db, "dana");
    const assignment = await assign(database.db, dana, world.projects.bravo);
    const t = await serviceToken(world, dana, { preset: "custom", grants: ["project:all:read", `project:${world.projects.bravo}:read`] });
    expect((await ask(sidecar.app, t.token)).body["X-Hasura-Service-Token-Preset"]).toBe("custom");
    await sql`DELETE FROM rolodex_projectassignment WHERE id = ${assignment}::bigint`.execute(database.db);
    sidecar.sidecar.cache.invalidate(["all"]);
    const res = await ask(sidecar.app, t.token);
    expect(res.status).toBe(200);
    expect(res.body["X-Hasura-Service-Token-Preset"]).toBe("custom");
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM api_servicetokenpermission WHERE token_id = ${t.id}::bigint`.execute(database.db);
    expect(rows[0]?.n).toBe("2");
  } finally {
    await sidecar.stop();
  }
});
