// Ghostwriter's side effects of a service-token check, visible in the database afterwards:
// cascading revocation for inactive creators, principal deactivation, pruning of stale project
// grants, and revocation when nothing valid remains or an oplog grant is out of reach.

import { sql } from "kysely";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { clientHeaders, DENIED, hasuraAsks } from "./hasura";
import { eventually, startTestSidecar, type TestSidecar } from "./sidecar";
import { assign, buildWorld, insertOplog, insertProject, insertUser, serviceToken, type World } from "./world";

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

const ask = (token: string) => hasuraAsks(sidecar.app, "GET", clientHeaders(`Bearer ${token}`));
const tokenRow = async (id: string) =>
  (await sql<{ revoked: boolean }>`SELECT revoked FROM api_servicetoken WHERE id = ${id}::bigint`.execute(database.db)).rows[0];
const principalRow = async (id: string) =>
  (await sql<{ active: boolean }>`SELECT active FROM api_serviceprincipal WHERE id = ${id}::bigint`.execute(database.db)).rows[0];
const grants = async (id: string) =>
  (await sql<{ g: string }>`SELECT resource_type || ':' || coalesce(resource_id::text, 'all') || ':' || action AS g FROM api_servicetokenpermission WHERE token_id = ${id}::bigint ORDER BY 1`.execute(database.db)).rows.map((r) => r.g);

async function freshCreator(name: string) {
  const user = await insertUser(database.db, name);
  const clientId = (await sql<{ id: string }>`SELECT min(id)::text AS id FROM rolodex_client`.execute(database.db)).rows[0]!.id;
  const p1 = await insertProject(database.db, clientId, `${name}-1`);
  const p2 = await insertProject(database.db, clientId, `${name}-2`);
  const a1 = await assign(database.db, user, p1);
  const a2 = await assign(database.db, user, p2);
  return { user, p1, p2, a1, a2 };
}

it("an inactive creator: every token of theirs revoked, every principal of theirs deactivated", async () => {
  const { user, p1 } = await freshCreator("dora");
  const first = await serviceToken(world, user, { preset: "project_read", projectIds: [p1] });
  const second = await serviceToken(world, user, { preset: "project_read", allAccessible: true });
  const unrelated = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
  await sql`UPDATE users_user SET is_active = false WHERE id = ${user}::bigint`.execute(database.db);

  const res = await ask(first.token);
  expect(res.status).toBe(401);
  expect(res.body).toEqual(DENIED);
  expect(await tokenRow(first.id)).toEqual({ revoked: true });
  expect(await tokenRow(second.id)).toEqual({ revoked: true });
  expect(await principalRow(first.principalId)).toEqual({ active: false });
  expect(await principalRow(second.principalId)).toEqual({ active: false });
  expect(await tokenRow(unrelated.id)).toEqual({ revoked: false });
  expect((await ask(unrelated.token)).status).toBe(200);
});

it("a principal whose creator is inactive (token made by someone else): principal off, its tokens revoked", async () => {
  const owner = await freshCreator("eve");
  const other = await freshCreator("finn");
  // A principal of eve's carrying a token created by finn (possible through Django's admin).
  const token = await serviceToken(world, other.user, { preset: "project_read", projectIds: [other.p1] });
  await sql`UPDATE api_serviceprincipal SET created_by_id = ${owner.user}::bigint WHERE id = ${token.principalId}::bigint`.execute(database.db);
  await sql`UPDATE users_user SET is_active = false WHERE id = ${owner.user}::bigint`.execute(database.db);

  expect((await ask(token.token)).status).toBe(401);
  expect(await principalRow(token.principalId)).toEqual({ active: false });
  expect(await tokenRow(token.id)).toEqual({ revoked: true });
});

it("a creator who lost one selected project: the stale grant is pruned, the token still works", async () => {
  const { user, p1, p2, a2 } = await freshCreator("gail");
  const token = await serviceToken(world, user, { preset: "project_read", projectIds: [p1, p2] });
  await sql`DELETE FROM rolodex_projectassignment WHERE id = ${a2}::bigint`.execute(database.db);

  const res = await ask(token.token);
  expect(res.status).toBe(200);
  expect(await grants(token.id)).toEqual([`project:${p1}:read`]);
  expect(await tokenRow(token.id)).toEqual({ revoked: false });
});

it("a creator who lost every selected project: grants pruned and the token revoked", async () => {
  const { user, p1, a1 } = await freshCreator("hank");
  const token = await serviceToken(world, user, { preset: "project_read", projectIds: [p1] });
  await sql`DELETE FROM rolodex_projectassignment WHERE id = ${a1}::bigint`.execute(database.db);

  expect((await ask(token.token)).status).toBe(401);
  expect(await grants(token.id)).toEqual([]);
  expect(await tokenRow(token.id)).toEqual({ revoked: true });
});

it("an oplog grant the creator can no longer reach: the whole token is revoked, nothing pruned", async () => {
  const { user, p1, a1 } = await freshCreator("ida");
  const oplog = await insertOplog(database.db, p1, "ida ops");
  const token = await serviceToken(world, user, { preset: "oplog_rw", oplogId: oplog });
  expect((await ask(token.token)).status).toBe(200);
  await sql`DELETE FROM rolodex_projectassignment WHERE id = ${a1}::bigint`.execute(database.db);
  // The change notification drops the cached answer; the next request re-validates and revokes.
  await eventually(async () => (await ask(token.token)).status === 401, 1000);
  expect(await tokenRow(token.id)).toEqual({ revoked: true });
  expect((await grants(token.id)).length).toBe(4);
});

it("an oplog grant whose oplog was deleted: revoked", async () => {
  const { user, p1 } = await freshCreator("jack");
  const oplog = await insertOplog(database.db, p1, "jack ops");
  const token = await serviceToken(world, user, { preset: "custom", grants: [`oplog:${oplog}:read`] });
  await sql`DELETE FROM oplog_oplog WHERE id = ${oplog}::bigint`.execute(database.db);
  expect((await ask(token.token)).status).toBe(401);
  expect(await tokenRow(token.id)).toEqual({ revoked: true });
});

it("side effects are logged with ids only", async () => {
  const lines = sidecar.logs.filter((line) => line.includes("Ghostwriter side effect"));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).not.toMatch(/gwst_[0-9a-f]{16}_/);
});
