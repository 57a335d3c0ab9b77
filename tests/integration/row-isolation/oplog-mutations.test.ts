// Service mutations: only oplog entries, and only in the oplog an oplog_rw token was granted. The
// insert `check`, and the update/delete `filter`s, evaluated with the webhook's own answer for
// each token: an oplog_rw token inserts into, updates and deletes in its oplog and nowhere else
// (not even the other oplog of the same project); read-only oplog tokens and project tokens
// change nothing; no other table has a service mutation at all.

import { sql } from "kysely";
import { allowedIds, checkAllows, type RoleView } from "../../../evaluator/evaluate";
import { LIVE_TOKEN_KEYS, OPLOG_KEYS } from "../../support/rich-seed";
import { serviceView, setUpRichDatabase, tablesWithPermission, trackedTables, variablesOf, type RichDatabase } from "./harness";
import { sortIds } from "./expectations";

const ENTRY = "public.oplog_oplogentry";

let rich: RichDatabase;

beforeAll(async () => {
  rich = await setUpRichDatabase();
}, 180_000);

afterAll(async () => {
  await rich?.testDb.close();
});

const viewOf = (key: (typeof LIVE_TOKEN_KEYS)[number]): RoleView => serviceView(rich.testDb.db, rich.model, variablesOf(rich.now[key]));

async function entriesOf(oplogId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT id::text AS id FROM oplog_oplogentry WHERE oplog_id_id = ${oplogId}::bigint`.execute(rich.testDb.db);
  return sortIds(rows.map((r) => r.id));
}

async function entryRow(id: string): Promise<Record<string, unknown>> {
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM oplog_oplogentry WHERE id = ${id}::bigint`.execute(rich.testDb.db);
  return rows[0] as Record<string, unknown>;
}

it("grants service mutations on oplog_oplogentry only", () => {
  for (const action of ["insert", "update", "delete"] as const) expect(tablesWithPermission("service", action)).toEqual([ENTRY]);
  expect(trackedTables().length).toBeGreaterThan(1);
});

describe("oplog_rw token", () => {
  const own = () => rich.world.oplogs.alphaLog1;

  it("may insert an entry into its own oplog", async () => {
    expect(await checkAllows(viewOf("oplogRw"), ENTRY, "insert", { oplog_id_id: own(), command: "whoami", tool: "beacon" })).toEqual({ allowed: true });
  });

  it.each(OPLOG_KEYS.filter((key) => key !== "alphaLog1"))("may not insert an entry into %s", async (oplog) => {
    const result = await checkAllows(viewOf("oplogRw"), ENTRY, "insert", { oplog_id_id: rich.world.oplogs[oplog], command: "whoami" });
    expect(result.allowed).toBe(false);
  });

  it("may not insert an entry without an oplog", async () => {
    expect((await checkAllows(viewOf("oplogRw"), ENTRY, "insert", { command: "whoami" })).allowed).toBe(false);
  });

  it("may not set a column outside the insert columns (the id)", async () => {
    expect((await checkAllows(viewOf("oplogRw"), ENTRY, "insert", { id: "999999", oplog_id_id: own() })).allowed).toBe(false);
  });

  it.each(["update", "delete"] as const)("may %s exactly its own oplog's entries", async (action) => {
    const actual = await allowedIds(viewOf("oplogRw"), ENTRY, action);
    expect(sortIds(actual ?? [])).toEqual(await entriesOf(own()));
    expect(actual?.length).toBe(3);
  });

  it("may update an entry of its oplog, but not move it to another oplog", async () => {
    const entry = await entryRow(rich.world.entries.alphaLog1[0] as string);
    expect(await checkAllows(viewOf("oplogRw"), ENTRY, "update", { command: "edited" }, entry)).toEqual({ allowed: true });
    expect((await checkAllows(viewOf("oplogRw"), ENTRY, "update", { oplog_id_id: rich.world.oplogs.alphaLog2 }, entry)).allowed).toBe(false);
    expect((await checkAllows(viewOf("oplogRw"), ENTRY, "update", { oplog_id_id: rich.world.oplogs.bravoLog }, entry)).allowed).toBe(false);
  });
});

describe.each(LIVE_TOKEN_KEYS.filter((key) => key !== "oplogRw").map((key) => [key] as const))("%s token", (key) => {
  it.each(OPLOG_KEYS.map((oplog) => [oplog] as const))("may not insert an entry into %s", async (oplog) => {
    const result = await checkAllows(viewOf(key), ENTRY, "insert", { oplog_id_id: rich.world.oplogs[oplog], command: "whoami" });
    expect(result.allowed).toBe(false);
  });

  it.each(["update", "delete"] as const)("may %s no entry", async (action) => {
    expect(await allowedIds(viewOf(key), ENTRY, action)).toEqual([]);
  });

  it("may not update an entry it can read", async () => {
    const readable = (await allowedIds(viewOf(key), ENTRY, "select")) ?? [];
    const id = readable[0] ?? (rich.world.entries.alphaLog1[0] as string);
    const entry = await entryRow(id);
    expect((await checkAllows(viewOf(key), ENTRY, "update", { command: "edited" }, entry)).allowed).toBe(false);
  });
});

it("the read-only oplog token reads its oplog's entries but may change none of them", async () => {
  const view = viewOf("oplogRead");
  expect(sortIds((await allowedIds(view, ENTRY, "select")) ?? [])).toEqual(await entriesOf(rich.world.oplogs.bravoLog));
  expect(await allowedIds(view, ENTRY, "update")).toEqual([]);
  expect(await allowedIds(view, ENTRY, "delete")).toEqual([]);
});
