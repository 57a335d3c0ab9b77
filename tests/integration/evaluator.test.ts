// The permission evaluator against a real database: every supported operator with literals and
// session variables, logical combinators, relationships of every kind (foreign key both ways,
// manual, to and from a view), _exists, hostile identifiers, and explicit errors for anything it
// does not support. Expectations are the ids written out by hand from tests/fixtures/evaluator.

import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { readCatalog } from "../../evaluator/catalog";
import { column, compileBoolExp, compileContext, fromTable, tableOf, type SessionVariables } from "../../evaluator/compile";
import { EvaluationError } from "../../evaluator/errors";
import { allowedIds, allowedRows, checkAllows, type RoleView } from "../../evaluator/evaluate";
import { buildModel, type SourceModel } from "../../evaluator/model";
import { createTestDatabase, type TestDatabase } from "../support/database";

const FIXTURE = path.join(__dirname, "..", "fixtures", "evaluator");
let database: TestDatabase;
let model: SourceModel;

beforeAll(async () => {
  database = await createTestDatabase("empty");
  await sql.raw(fs.readFileSync(path.join(FIXTURE, "schema.sql"), "utf8")).execute(database.db);
  model = buildModel(path.join(FIXTURE, "metadata"), "default", await readCatalog(database.db, ["public"]));
});
afterAll(async () => {
  await database.close();
});

async function ids(table: string, expression: unknown, session: SessionVariables = {}): Promise<number[]> {
  const ctx = compileContext(model, session);
  const model_ = tableOf(ctx, `public.${table}`);
  const alias = ctx.nextAlias();
  const key = model_.columns.has("id") ? "id" : "team_id";
  const { rows } = await sql<{ id: string }>`
    SELECT ${column(alias, key)}::text AS id FROM ${fromTable(model_, alias)} WHERE ${compileBoolExp(ctx, model_, alias, expression)} ORDER BY 1`.execute(database.db);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

describe("comparison operators", () => {
  it.each([
    [{ score: { _eq: 5 } }, [10]],
    [{ score: 5 }, [10]], // a bare value means _eq
    [{ score: { _neq: 5 } }, [11, 13]], // NULL never matches, as in Hasura's SQL
    [{ score: { _ne: 5 } }, [11, 13]],
    [{ score: { _gt: 1 } }, [10, 11]],
    [{ score: { _gte: 5 } }, [10, 11]],
    [{ score: { _lt: 5 } }, [13]],
    [{ score: { _lte: 5 } }, [10, 13]],
    [{ score: { _in: [1, 9] } }, [11, 13]],
    [{ score: { _nin: [1, 9] } }, [10]],
    [{ score: { _in: [] } }, []],
    [{ score: { _is_null: true } }, [12]],
    [{ score: { _is_null: false } }, [10, 11, 13]],
    [{ score: { _gt: 1, _lt: 9 } }, [10]], // several operators are AND-ed
    [{ name: { _eq: "ann" } }, [10]],
    [{ joined: { _gte: "2024-01-01T00:00:00Z" } }, [10, 11]],
    [{ score: { $eq: 9 } }, [11]], // $-prefixed forms
    [{}, [10, 11, 12, 13]],
  ])("%j", async (expression, expected) => {
    expect(await ids("member", expression)).toEqual(expected);
  });
});

describe("session variables", () => {
  it("are cast to the column's type, looked up case-insensitively", async () => {
    expect(await ids("member", { team_id: { _eq: "X-Hasura-Team-Id" } }, { "x-hasura-team-id": "1" })).toEqual([10, 11]);
    expect(await ids("member", { team_id: { _eq: "x-hasura-TEAM-id" } }, { "X-Hasura-Team-Id": "2" })).toEqual([12]);
    expect(await ids("team", { active: { _eq: "X-Hasura-Active" } }, { "X-Hasura-Active": "false" })).toEqual([2]);
    expect(await ids("team", { founded: { _lt: "X-Hasura-Before" } }, { "X-Hasura-Before": "2021-01-01" })).toEqual([1]);
  });

  it("hold Postgres array literals for _in / _nin", async () => {
    expect(await ids("member", { team_id: { _in: "X-Hasura-Team-Ids" } }, { "X-Hasura-Team-Ids": "{1,2}" })).toEqual([10, 11, 12]);
    expect(await ids("member", { team_id: { _nin: "X-Hasura-Team-Ids" } }, { "X-Hasura-Team-Ids": "{1}" })).toEqual([12]);
    expect(await ids("member", { team_id: { _in: "X-Hasura-Team-Ids" } }, { "X-Hasura-Team-Ids": "{}" })).toEqual([]);
  });

  it("a -1 placeholder (Ghostwriter's 'no oplog') matches nothing", async () => {
    expect(await ids("member", { team_id: { _eq: "X-Hasura-Team-Id" } }, { "X-Hasura-Team-Id": "-1" })).toEqual([]);
  });

  it("a missing variable is an error, as Hasura rejects the request", async () => {
    await expect(ids("member", { team_id: { _eq: "X-Hasura-Missing" } }, {})).rejects.toThrow(/X-Hasura-Missing/);
  });

  it("a malformed value fails in PostgreSQL, not silently", async () => {
    await expect(ids("member", { team_id: { _eq: "X-Hasura-Team-Id" } }, { "X-Hasura-Team-Id": "1 OR 1=1" })).rejects.toThrow();
    await expect(ids("member", { team_id: { _in: "X-Hasura-Team-Ids" } }, { "X-Hasura-Team-Ids": "1,2" })).rejects.toThrow();
  });
});

describe("logical combinators", () => {
  it.each([
    [{ _and: [{ score: { _gt: 1 } }, { team_id: { _eq: 1 } }] }, [10, 11]],
    [{ _or: [{ score: { _eq: 1 } }, { name: { _eq: "cat" } }] }, [12, 13]],
    [{ _not: { team_id: { _eq: 1 } } }, [12]],
    [{ _and: [] }, [10, 11, 12, 13]],
    [{ _or: [] }, []],
    [{ _or: [{ _and: [{ team_id: { _eq: 1 } }, { _not: { score: { _eq: 5 } } }] }, { team_id: { _is_null: true } }] }, [11, 13]],
    [{ $or: [{ score: { _eq: 1 } }] }, [13]],
  ])("%j", async (expression, expected) => {
    expect(await ids("member", expression)).toEqual(expected);
  });
});

describe("relationships", () => {
  it("object, on a local foreign key", async () => {
    expect(await ids("member", { team: { active: { _eq: true } } })).toEqual([10, 11]);
    expect(await ids("member", { team: {} })).toEqual([10, 11, 12]); // exists
  });

  it("array, on the remote table's foreign key", async () => {
    expect(await ids("team", { members: { score: { _gte: 9 } } })).toEqual([1]);
    expect(await ids("team", { _not: { members: {} } })).toEqual([3]);
  });

  it("manual, to a view and from a view back to a table", async () => {
    expect(await ids("team", { stats: { members: { _gte: 2 } } })).toEqual([1]);
    expect(await ids("team_stats", { team: { name: { _eq: "blue" } } })).toEqual([2]);
  });

  it("nested paths, with session variables at the end", async () => {
    expect(await ids("member", { team: { members: { name: { _eq: "X-Hasura-Name" } } } }, { "X-Hasura-Name": "ben" })).toEqual([10, 11]);
  });

  it("_exists on an unrelated table", async () => {
    expect(await ids("team", { _exists: { _table: { name: "member", schema: "public" }, _where: { score: { _gt: 8 } } } })).toEqual([1, 2, 3]);
    expect(await ids("team", { _exists: { _table: { name: "member", schema: "public" }, _where: { score: { _gt: 100 } } } })).toEqual([]);
  });
});

describe("hostile identifiers", () => {
  it("quote table and column names", async () => {
    expect(await ids('we"ird team', { 'na"me': { _eq: "y" } })).toEqual([2]);
    const view: RoleView = { db: database.db, model, role: "reader", session: {} };
    expect((await allowedRows(view, 'public.we"ird team', "select"))?.rows).toEqual([{ id: "1", 'na"me': "x" }]);
  });
});

describe("anything unsupported is an explicit error", () => {
  it.each([
    [{ name: { _like: "a%" } }, /unsupported operator _like/],
    [{ score: { _ceq: "team_id" } }, /unsupported operator _ceq/],
    [{ name: { _contains: ["a"] } }, /unsupported operator _contains/],
    [{ _foo: [] }, /unsupported operator _foo/],
    [{ nope: { _eq: 1 } }, /neither a column nor a relationship/],
    [{ score: { _eq: null } }, /not supported/],
    [{ score: { _in: [1, "X-Hasura-Id"] } }, /literals only/],
    [{ score: { _is_null: "yes" } }, /_is_null takes true or false/],
    [{ _and: { score: 1 } }, /takes a list/],
    [{ _exists: { _table: { name: "ghost" } } }, /not tracked/],
  ])("%j", async (expression, message) => {
    const error = await ids("member", expression, { "X-Hasura-Id": "1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvaluationError);
    expect(String((error as Error).message)).toMatch(message);
  });
});

describe("a role's permissions, as Hasura applies them", () => {
  const reader = (session: SessionVariables): RoleView => ({ db: database.db, model, role: "reader", session });

  it("select returns the permitted columns of the rows the filter allows", async () => {
    const visible = await allowedRows(reader({}), "public.team", "select", "id");
    expect(visible).toEqual({ columns: ["id", "name"], rows: [{ id: "1", name: "red" }, { id: "3", name: "green" }] });
    expect(await allowedIds(reader({ "X-Hasura-Team-Ids": "{2}" }), "public.member", "select")).toEqual(["12"]);
    expect(await allowedRows(reader({}), "public.team_stats", "select")).toBeUndefined(); // no permission: nothing
    expect(await allowedIds({ ...reader({}), role: "nobody" }, "public.team", "select")).toBeUndefined();
  });

  it("insert: the check decides, and only permitted columns may be given", async () => {
    const view = reader({ "X-Hasura-Team-Id": "1" });
    expect(await checkAllows(view, "public.member", "insert", { id: 20, name: "eve", team_id: 1 })).toEqual({ allowed: true });
    expect((await checkAllows(view, "public.member", "insert", { id: 20, name: "eve", team_id: 2 })).allowed).toBe(false);
    expect(await checkAllows(view, "public.member", "insert", { id: 20, name: "eve", team_id: 1, score: 3 })).toEqual({ allowed: false, reason: "column(s) score are not permitted for insert" });
  });

  it("update: the filter picks the rows, the check judges the result", async () => {
    const view = reader({ "X-Hasura-Team-Id": "1" });
    expect(await allowedIds(view, "public.member", "update")).toEqual(["10", "11"]);
    expect((await checkAllows(view, "public.member", "update", { score: 10 }, { id: 10, team_id: 1, name: "ann" })).allowed).toBe(true);
    expect((await checkAllows(view, "public.member", "update", { score: 11 }, { id: 10, team_id: 1, name: "ann" })).allowed).toBe(false);
    expect((await checkAllows(view, "public.member", "update", { name: "x" })).allowed).toBe(false);
  });

  it("delete: only the rows the filter allows", async () => {
    expect(await allowedIds(reader({ "X-Hasura-Team-Id": "2" }), "public.member", "delete")).toEqual(["12"]);
    expect(await allowedIds(reader({ "X-Hasura-Team-Id": "1" }), "public.member", "delete")).toEqual([]);
  });
});
