// The warm path: answers served from memory without hash work or queries, and every change that
// could alter an answer reaching the warm cache within 1 second through LISTEN/NOTIFY. (The 1 s is
// the product's stated bound, checked as a deadline, not a speed measurement: see bench/ for that.)

import { createHash } from "node:crypto";
import { sql } from "kysely";
import { HashVerifier } from "../../webhook/credentials/hash-verifier";
import { verifySecret } from "../../webhook/credentials/django-hashers";
import { createTestDatabase, describeWithPostgres, type TestDatabase } from "../support/database";
import { adminQuery } from "../support/postgres-admin";
import { clientHeaders, hasuraAsks } from "./hasura";
import { eventually, startTestSidecar, type TestSidecar } from "./sidecar";
import { apiToken, assign, buildWorld, insertUser, loginJwt, serviceToken, type World } from "./world";

let database: TestDatabase;
let world: World;
let sidecar: TestSidecar;
let hashChecks = 0;

beforeAll(async () => {
  database = await createTestDatabase("migrated");
  world = await buildWorld(database.db);
  const counting = new HashVerifier({ concurrency: 2, queueLimit: 16 }, async (secret, encoded) => {
    hashChecks += 1;
    return verifySecret(secret, encoded);
  });
  sidecar = await startTestSidecar(database.handle, {}, { hashVerifier: counting });
});
afterAll(async () => {
  await sidecar.stop();
  await database.close();
});

const ask = (token: string) => hasuraAsks(sidecar.app, "GET", clientHeaders(`Bearer ${token}`));
const deadline = 1000;

it("a warm answer costs no hash work and no query", async () => {
  const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  expect((await ask(t.token)).status).toBe(200);
  const hashesBefore = hashChecks;
  // With the pool closed off, only the cache can answer.
  const statements = await countStatements(async () => {
    for (let i = 0; i < 20; i += 1) expect((await ask(t.token)).status).toBe(200);
  });
  expect(hashChecks).toBe(hashesBefore);
  expect(statements).toBe(0);
});

it("revocation reaches a warm cache within 1 s", async () => {
  const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  expect((await ask(t.token)).status).toBe(200);
  await sql`UPDATE api_servicetoken SET revoked = true WHERE id = ${t.id}::bigint`.execute(database.db);
  await eventually(async () => (await ask(t.token)).status === 401, deadline);
});

it("an expiry change reaches a warm cache (and the new max-age follows it)", async () => {
  const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  expect((await ask(t.token)).body["Cache-Control"]).toBe("max-age=60");
  await sql`UPDATE api_servicetoken SET expiry_date = now() + interval '30 seconds' WHERE id = ${t.id}::bigint`.execute(database.db);
  await eventually(async () => Number(((await ask(t.token)).body["Cache-Control"] ?? "").slice(8)) <= 30, deadline);
  await sql`UPDATE api_servicetoken SET expiry_date = now() - interval '1 second' WHERE id = ${t.id}::bigint`.execute(database.db);
  await eventually(async () => (await ask(t.token)).status === 401, deadline);
});

it("a grant change reaches a warm cache", async () => {
  const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  expect((await ask(t.token)).body["X-Hasura-Delete-OplogEntry-Oplog-Id"]).toBe(world.oplogs.alphaLog);
  await sql`DELETE FROM api_servicetokenpermission WHERE token_id = ${t.id}::bigint AND action = 'delete'`.execute(database.db);
  await eventually(async () => {
    const body = (await ask(t.token)).body;
    return body["X-Hasura-Delete-OplogEntry-Oplog-Id"] === "-1" && body["X-Hasura-Service-Token-Preset"] === "custom";
  }, deadline);
});

it("principal deactivation and creator deactivation reach a warm cache", async () => {
  const a = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  expect((await ask(a.token)).status).toBe(200);
  await sql`UPDATE api_serviceprincipal SET active = false WHERE id = ${a.principalId}::bigint`.execute(database.db);
  await eventually(async () => (await ask(a.token)).status === 401, deadline);

  const creator = await insertUser(database.db, "kate");
  await assign(database.db, creator, world.projects.alpha);
  const b = await serviceToken(world, creator, { preset: "project_read", projectIds: [world.projects.alpha] });
  expect((await ask(b.token)).status).toBe(200);
  await sql`UPDATE users_user SET is_active = false WHERE id = ${creator}::bigint`.execute(database.db);
  await eventually(async () => (await ask(b.token)).status === 401, deadline);
});

it("a membership change reaches a warm cache (a creator losing the project of an oplog grant)", async () => {
  const creator = await insertUser(database.db, "liam");
  const assignment = await assign(database.db, creator, world.projects.bravo);
  const t = await serviceToken(world, creator, { preset: "oplog_rw", oplogId: world.oplogs.bravoLog });
  expect((await ask(t.token)).status).toBe(200);
  await sql`DELETE FROM rolodex_projectassignment WHERE id = ${assignment}::bigint`.execute(database.db);
  await eventually(async () => (await ask(t.token)).status === 401, deadline);
});

it("an all-accessible token keeps working as its creator gains projects, without re-hashing", async () => {
  const creator = await insertUser(database.db, "maya");
  const t = await serviceToken(world, creator, { preset: "project_read", allAccessible: true });
  expect((await ask(t.token)).status).toBe(200);
  const hashesBefore = hashChecks;
  await assign(database.db, creator, world.projects.charlie);
  // The assignment drops the answer (it carries u:<creator>); the next request re-checks in the
  // database, and the proof that this exact token was verified spares the Argon2 work.
  await eventually(async () => !isCached(t.token), deadline);
  const statements = await countStatements(async () => {
    expect((await ask(t.token)).status).toBe(200);
  });
  expect(statements).toBeGreaterThan(0);
  expect(hashChecks).toBe(hashesBefore);
  expect(isCached(t.token)).toBe(true);
});

it("API tokens, sessions and users invalidate too", async () => {
  const key = await apiToken(world, world.users.carol);
  expect((await ask(key.token)).status).toBe(200);
  await sql`UPDATE api_apikey SET revoked = true WHERE id = ${key.id}::bigint`.execute(database.db);
  await eventually(async () => (await ask(key.token)).status === 401, deadline);

  const { jwt, session } = await loginJwt(world, world.users.carol);
  expect((await ask(jwt)).status).toBe(200);
  await sql`UPDATE api_usersession SET revoked_at = now() WHERE id = ${session.id}::bigint`.execute(database.db);
  await eventually(async () => (await ask(jwt)).status === 401, deadline);

  const other = await loginJwt(world, world.users.manager);
  expect((await ask(other.jwt)).body["X-Hasura-Role"]).toBe("manager");
  await sql`UPDATE users_user SET role = 'user' WHERE id = ${world.users.manager}::bigint`.execute(database.db);
  await eventually(async () => (await ask(other.jwt)).body["X-Hasura-Role"] === "user", deadline);
});

it("usage bookkeeping does not empty the cache", async () => {
  const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  expect((await ask(t.token)).status).toBe(200);
  await sidecar.sidecar.usage.flush();
  const row = await sql<{ last_used_at: Date | null }>`SELECT last_used_at FROM api_servicetoken WHERE id = ${t.id}::bigint`.execute(database.db);
  expect(row.rows[0]?.last_used_at).not.toBeNull();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const statements = await countStatements(async () => {
    expect((await ask(t.token)).status).toBe(200);
  });
  expect(statements).toBe(0);
});

describeWithPostgres("listener loss", () => {
  it("bypasses the cache while disconnected and turns it back on after reconnecting", async () => {
    const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
    expect((await ask(t.token)).status).toBe(200);
    const pid = sidecar.sidecar.listener.backendPid;
    expect(pid).toBeDefined();
    await adminQuery(process.env.DATABASE_URL as string, "SELECT pg_terminate_backend($1)", [pid]);
    await eventually(async () => !sidecar.sidecar.cache.enabled, deadline);

    // While off, every request goes to the database.
    const statements = await countStatements(async () => {
      expect((await ask(t.token)).status).toBe(200);
    });
    expect(statements).toBeGreaterThan(0);

    await eventually(async () => sidecar.sidecar.listener.connected && sidecar.sidecar.cache.enabled, 15_000, 100);
    expect((await ask(t.token)).status).toBe(200);
    expect(await countStatements(async () => void (await ask(t.token)))).toBe(0);
  });

  it("a revocation made while the listener is down is seen at once", async () => {
    const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
    expect((await ask(t.token)).status).toBe(200);
    await adminQuery(process.env.DATABASE_URL as string, "SELECT pg_terminate_backend($1)", [sidecar.sidecar.listener.backendPid]);
    await eventually(async () => !sidecar.sidecar.cache.enabled, deadline);
    await sql`UPDATE api_servicetoken SET revoked = true WHERE id = ${t.id}::bigint`.execute(database.db);
    // No waiting: nothing is cached, so the very next request sees the revocation.
    if (!sidecar.sidecar.listener.connected) expect((await ask(t.token)).status).toBe(401);
    await eventually(async () => sidecar.sidecar.listener.connected, 15_000, 100);
    expect((await ask(t.token)).status).toBe(401);
  });
});

function isCached(token: string): boolean {
  const key = createHash("sha256").update(token).digest("hex");
  return sidecar.sidecar.cache.has(key);
}

/** Counts the statements the sidecar's Kysely instance sends while `run` runs. */
async function countStatements(run: () => Promise<void>): Promise<number> {
  const counter = { n: 0 };
  const db = database.db as unknown as { getExecutor(): { executeQuery: (...args: unknown[]) => Promise<unknown> } };
  const executor = db.getExecutor();
  const original = executor.executeQuery.bind(executor);
  executor.executeQuery = async (...args: unknown[]) => {
    counter.n += 1;
    return original(...args);
  };
  try {
    await run();
  } finally {
    executor.executeQuery = original;
  }
  return counter.n;
}
