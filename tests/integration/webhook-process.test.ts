// The webhook process (startServer, what `token-sidecar serve` runs) against a migrated
// database: it refuses an unmigrated database, serves on its port, and on shutdown finishes
// in-flight requests, flushes recorded usage and closes the pool.

import http from "node:http";
import { sql } from "kysely";
import { startServer } from "../../webhook/main";
import { ConfigError } from "../../webhook/errors";
import { createTestDatabase, describeWithPostgres, type TestDatabase } from "../support/database";
import { buildWorld, JWT_SECRET, serviceToken } from "../contract/world";

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

describeWithPostgres("startServer on PostgreSQL", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("migrated");
  });
  afterAll(async () => {
    await database.close();
  });

  const env = () => ({ DATABASE_URL: database.url as string, JWT_SECRET, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", ARGON2_MEMORY_KIB: "8192", ARGON2_TIME_COST: "1" });

  it("serves, then shuts down cleanly: last use flushed, no new connections", async () => {
    const world = await buildWorld(database.db);
    const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
    const server = await startServer({ env: env(), cwd: process.cwd() });
    const res = await get(server.port, "/auth", { Authorization: `Bearer ${t.token}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)["X-Hasura-Service-Token-Id"]).toBe(t.id);
    expect((await get(server.port, "/readyz")).status).toBe(200);

    await server.shutdown("SIGTERM");
    await server.stopped;
    const row = await sql<{ at: Date | null }>`SELECT last_used_at AS at FROM api_servicetoken WHERE id = ${t.id}::bigint`.execute(database.db);
    expect(row.rows[0]?.at).not.toBeNull();
    await expect(get(server.port, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("refuses to start on a database without the credential tables", async () => {
    const empty = await createTestDatabase("reference");
    try {
      await expect(startServer({ env: { ...env(), DATABASE_URL: empty.url as string }, cwd: process.cwd() })).rejects.toThrow(ConfigError);
      await expect(startServer({ env: { ...env(), DATABASE_URL: empty.url as string }, cwd: process.cwd() })).rejects.toThrow(/migrate up/);
    } finally {
      await empty.close();
    }
  });

  it("refuses to start without the JWT secret, listing every problem", async () => {
    await expect(startServer({ env: { ...env(), JWT_SECRET: "", PORT: "x" }, cwd: process.cwd() })).rejects.toThrow(/JWT_SECRET[\s\S]*PORT|PORT[\s\S]*JWT_SECRET/);
  });
});
