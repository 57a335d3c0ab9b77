// last_used_at as Ghostwriter records it — at most once per 5 minutes per credential — but
// batched off the request path, flushed on a timer and at shutdown.

import { sql } from "kysely";
import { UsageRecorder } from "../../webhook/usage";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { apiToken, buildWorld, serviceToken, type World } from "../contract/world";

let database: TestDatabase;
let world: World;

beforeAll(async () => {
  database = await createTestDatabase("migrated");
  world = await buildWorld(database.db);
});
afterAll(async () => {
  await database.close();
});

const lastUsed = async (table: "api_servicetoken" | "api_apikey", id: string) =>
  (await sql<{ at: Date | null }>`SELECT last_used_at AS at FROM ${sql.table(table)} WHERE id = ${id}::bigint`.execute(database.db)).rows[0]?.at ?? null;

it("writes a use once per 5 minutes, whatever the number of requests", async () => {
  let now = Date.parse("2026-12-04T12:00:00Z");
  const recorder = new UsageRecorder(database.db, { flushSeconds: 3600 }, () => now);
  const service = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  const key = await apiToken(world, world.users.alice);

  for (let i = 0; i < 50; i += 1) recorder.note("api_servicetoken", service.id);
  recorder.note("api_apikey", key.id);
  expect(await lastUsed("api_servicetoken", service.id)).toBeNull(); // nothing written on the request path
  await recorder.flush();
  expect((await lastUsed("api_servicetoken", service.id))?.toISOString()).toBe("2026-12-04T12:00:00.000Z");
  expect((await lastUsed("api_apikey", key.id))?.toISOString()).toBe("2026-12-04T12:00:00.000Z");

  now += 4 * 60_000;
  recorder.note("api_servicetoken", service.id);
  await recorder.flush();
  expect((await lastUsed("api_servicetoken", service.id))?.toISOString()).toBe("2026-12-04T12:00:00.000Z");

  now += 61_000;
  recorder.note("api_servicetoken", service.id);
  await recorder.flush();
  expect((await lastUsed("api_servicetoken", service.id))?.toISOString()).toBe("2026-12-04T12:05:01.000Z");
});

it("keeps Ghostwriter's throttle even against other writers (the UPDATE is conditional)", async () => {
  const service = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  await sql`UPDATE api_servicetoken SET last_used_at = '2026-12-04T12:00:00Z' WHERE id = ${service.id}::bigint`.execute(database.db);
  // Another replica (or Django) recorded a use 2 minutes before ours: ours is not written.
  const recorder = new UsageRecorder(database.db, { flushSeconds: 3600 }, () => Date.parse("2026-12-04T12:02:00Z"));
  recorder.note("api_servicetoken", service.id);
  await recorder.flush();
  expect((await lastUsed("api_servicetoken", service.id))?.toISOString()).toBe("2026-12-04T12:00:00.000Z");
});

it("flushes what is pending at stop, and keeps uses when a flush fails", async () => {
  const service = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  const errors: unknown[] = [];
  const failing = { transaction: () => undefined } as never;
  const broken = new UsageRecorder(failing, { flushSeconds: 3600, onError: (e) => errors.push(e) });
  broken.note("api_servicetoken", service.id);
  await broken.flush();
  expect(errors.length).toBe(1);

  const recorder = new UsageRecorder(database.db, { flushSeconds: 3600 });
  recorder.start();
  recorder.note("api_servicetoken", service.id);
  await recorder.stop();
  expect(await lastUsed("api_servicetoken", service.id)).not.toBeNull();
});
