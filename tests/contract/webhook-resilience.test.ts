// Failing safe: a database failure is a 503 (never a 200), a burst of cold verifications is
// bounded (503 when the hash queue is full), a flood of wrong secrets cannot buy unlimited hash
// work or lock out the real holder, and no token text ever reaches a log line.

import { createHash } from "node:crypto";
import request from "supertest";
import { HashVerifier } from "../../webhook/credentials/hash-verifier";
import { verifySecret } from "../../webhook/credentials/django-hashers";
import { openDatabase } from "../../webhook/db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { clientHeaders, hasuraAsks } from "./hasura";
import { countingHashVerifier, startTestSidecar, type TestSidecar } from "./sidecar";
import { apiToken, buildWorld, loginJwt, serviceToken, type World } from "./world";

let database: TestDatabase;
let world: World;
const issued: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase("migrated");
  world = await buildWorld(database.db);
});
afterAll(async () => {
  await database.close();
});

const ask = (app: TestSidecar["app"], token: string, extra: Record<string, string> = {}) => hasuraAsks(app, "GET", clientHeaders(`Bearer ${token}`, extra));

async function token() {
  const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  issued.push(t.token);
  return t;
}

describe("database failure", () => {
  it("is a 503 with a neutral body, never a 200, and /readyz says not ready", async () => {
    const t = await token();
    const dead = await openDatabase({ databaseUrl: "postgres://postgres@127.0.0.1:1/none", poolMax: 1 });
    const sidecar = await startTestSidecar(dead);
    try {
      const res = await ask(sidecar.app, t.token);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ message: "Authentication is temporarily unavailable", extensions: { code: "ServiceUnavailable" } });
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
      const ready = await request(sidecar.app).get("/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual({ database: false, changeListener: false });
      expect((await request(sidecar.app).get("/healthz")).status).toBe(200);
      // No credential needs no database: anonymous callers are still answered.
      expect((await hasuraAsks(sidecar.app, "GET", clientHeaders())).status).toBe(200);
      expect(sidecar.logs.some((line) => line.includes('"level":50') && line.includes("could not be answered"))).toBe(true);
    } finally {
      await sidecar.stop();
      await dead.close();
    }
  });
});

describe("hash work is bounded", () => {
  it("answers 503 when the verification queue is full, and recovers", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = new HashVerifier({ concurrency: 1, queueLimit: 1 }, async (secret, encoded) => {
      await gate;
      return verifySecret(secret, encoded);
    });
    const sidecar = await startTestSidecar(database.handle, {}, { hashVerifier: slow });
    try {
      const tokens = await Promise.all([token(), token(), token(), token()]);
      const pending = tokens.map((t) => ask(sidecar.app, t.token).then((r) => r.status));
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      const statuses = await Promise.all(pending);
      expect(statuses.filter((s) => s === 503).length).toBe(2);
      expect(statuses.filter((s) => s === 200).length).toBe(2);
      // The refused ones succeed on retry.
      for (const t of tokens) expect((await ask(sidecar.app, t.token)).status).toBe(200);
      const metrics = (await request(sidecar.app).get("/metrics")).text;
      expect(metrics).toMatch(/sidecar_auth_requests_total\{kind="service_token",outcome="overloaded"\} 2/);
    } finally {
      await sidecar.stop();
    }
  });
});

describe("a flood of wrong secrets for a known prefix", () => {
  it("is cut off after the limit without more hash work, while the real holder keeps working", async () => {
    const hashes = countingHashVerifier({ concurrency: 2, queueLimit: 64 });
    const sidecar = await startTestSidecar(database.handle, { AUTH_FAILURE_LIMIT: "5" }, { hashVerifier: hashes.verifier });
    try {
      const t = await token();
      expect((await ask(sidecar.app, t.token)).status).toBe(200);
      const forged = (i: number) => `${t.token.slice(0, 22)}${String(i).padStart(43, "x")}`;
      const hashesBefore = hashes.count;
      for (let i = 0; i < 30; i += 1) expect((await ask(sidecar.app, forged(i))).status).toBe(401);
      expect(hashes.count - hashesBefore).toBe(5);
      expect((await ask(sidecar.app, t.token)).status).toBe(200);
      // Even with its cached answer dropped, the holder's proof of a past verification still works.
      sidecar.sidecar.cache.invalidate(["all"]);
      expect((await ask(sidecar.app, t.token)).status).toBe(200);
      expect(hashes.count - hashesBefore).toBe(5);
      const metrics = (await request(sidecar.app).get("/metrics")).text;
      expect(metrics).toMatch(/sidecar_auth_rejections_total\{reason="rate_limited"\} 25/);
    } finally {
      await sidecar.stop();
    }
  });

  it("is limited per client address when the operator names a trusted header", async () => {
    const sidecar = await startTestSidecar(database.handle, { TRUSTED_CLIENT_IP_HEADER: "X-Real-IP", AUTH_CLIENT_FAILURE_LIMIT: "3" });
    try {
      const t = await token();
      const attacker = { "X-Real-IP": "203.0.113.7" };
      for (let i = 0; i < 3; i += 1) {
        expect((await ask(sidecar.app, `gwst_${String(i).padStart(16, "0")}_${"z".repeat(43)}`, attacker)).status).toBe(401);
      }
      // Blocked now, even with the right token; another address is not.
      expect((await ask(sidecar.app, t.token, attacker)).status).toBe(401);
      expect((await ask(sidecar.app, t.token, { "X-Real-IP": "198.51.100.1" })).status).toBe(200);
      // POST mode reads the same header from the body.
      const res = await hasuraAsks(sidecar.app, "POST", clientHeaders(`Bearer ${t.token}`, { "x-real-ip": "203.0.113.7" }));
      expect(res.status).toBe(200); // cached now: a cached answer is served before the client limit
    } finally {
      await sidecar.stop();
    }
  });
});

describe("logs", () => {
  it("never contain a token, a secret or an Authorization header, at any level", async () => {
    const sidecar = await startTestSidecar(database.handle, { LOG_LEVEL: "trace" });
    try {
      const secrets: string[] = [];
      const service = await token();
      const key = await apiToken(world, world.users.alice);
      const { jwt } = await loginJwt(world, world.users.alice);
      secrets.push(service.token, key.token, jwt, service.token.slice(22), key.token.slice(22));
      for (const bearer of [service.token, key.token, jwt, `${service.token.slice(0, 22)}${"q".repeat(43)}`, "garbage-token-value-123", `${jwt}x`]) {
        await ask(sidecar.app, bearer);
        await hasuraAsks(sidecar.app, "POST", clientHeaders(`Bearer ${bearer}`, { Cookie: "sessionid=topsecretcookie" }));
        secrets.push(bearer);
      }
      await request(sidecar.app).post("/auth").set("Content-Type", "application/json").send(`{"headers": {"Authorization": "Bearer ${service.token}"`);
      await sidecar.sidecar.usage.flush();
      expect(sidecar.logs.length).toBeGreaterThan(5);
      const all = sidecar.logs.join("\n");
      for (const secret of [...secrets, ...issued, "topsecretcookie"]) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/Bearer /);
      // Denials are warnings that name the token by prefix only.
      expect(all).toContain(`"credential":"${service.token.slice(0, 21)}"`);
      expect(sidecar.logs.filter((l) => l.includes('"status":401')).every((l) => l.includes('"level":40'))).toBe(true);
    } finally {
      await sidecar.stop();
    }
  });
});

describe("/metrics", () => {
  it("exposes requests, latency, cache, hash and listener series", async () => {
    const sidecar = await startTestSidecar(database.handle);
    try {
      const t = await token();
      await ask(sidecar.app, t.token);
      await ask(sidecar.app, t.token);
      const text = (await request(sidecar.app).get("/metrics")).text;
      for (const series of [
        'sidecar_auth_requests_total{kind="service_token",outcome="allowed"} 2',
        "sidecar_auth_request_duration_seconds_bucket",
        "sidecar_auth_cache_hits_total 1",
        "sidecar_auth_cache_entries 1",
        "sidecar_hash_verifications_in_flight 0",
        "sidecar_hash_verifications_queued 0",
        'sidecar_hash_verifications_total{result="match"} 1',
        "sidecar_change_listener_connected 1",
      ]) {
        expect(text).toContain(series);
      }
      expect(text).not.toContain(createHash("sha256").update(t.token).digest("hex"));
    } finally {
      await sidecar.stop();
    }
  });
});
