// The one quoting module against PostgreSQL itself: hostile identifiers and literals read back as
// exactly the text they quote, whatever standard_conforming_strings says (a literal that ended
// early would let a name in generated DDL run as SQL).

import { sql } from "kysely";
import { quoteIdentifier, quoteLiteral } from "../../webhook/db/identifiers";
import { createTestDatabase, type TestDatabase } from "../support/database";

const HOSTILE = [
  "plain",
  "it's",
  "back\\slash",
  "v\\'); CREATE TABLE pwned(); --",
  "\\\\'' OR 1=1 --",
  'quote"d',
  "$$ dollar $views$",
  "naïve ✓",
];

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase("empty");
}, 60_000);

afterAll(async () => {
  await testDb?.close();
});

describe.each(["on", "off"])("with standard_conforming_strings %s", (setting) => {
  it.each(HOSTILE.map((text) => [text] as const))("quoteLiteral(%j) reads back unchanged", async (text) => {
    const rows = await testDb.db.connection().execute(async (conn) => {
      await sql.raw(`SET standard_conforming_strings = ${setting}`).execute(conn);
      try {
        return (await sql.raw<{ value: string }>(`SELECT ${quoteLiteral(text)} AS value`).execute(conn)).rows;
      } finally {
        await sql.raw("RESET standard_conforming_strings").execute(conn);
      }
    });
    expect(rows).toEqual([{ value: text }]);
  });
});

it.each(HOSTILE.map((text) => [text] as const))("quoteIdentifier(%j) names a column of exactly that name", async (text) => {
  const { rows } = await sql.raw<Record<string, number>>(`SELECT 1 AS ${quoteIdentifier(text)}`).execute(testDb.db);
  expect(Object.keys(rows[0] ?? {})).toEqual([text]);
});

it("refuses what cannot be quoted", () => {
  expect(() => quoteIdentifier("")).toThrow(/empty/);
  expect(() => quoteIdentifier("a\u0000b")).toThrow(/NUL/);
  expect(() => quoteLiteral("a\u0000b")).toThrow(/NUL/);
});
