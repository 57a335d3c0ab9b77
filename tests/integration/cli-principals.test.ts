// `token-sidecar principals create | list | deactivate`, in-process against a test database, with
// Ghostwriter's rules (spec §8 ServiceTokenForm.clean): a new name is stripped; an active principal
// of the same owner with the same name (ignoring case) is reused; another owner's or an inactive
// principal never is. Bad input exits with its documented code and changes nothing.

import { sql } from "kysely";
import { EXIT } from "../../cli/exit-codes";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { cliRunner, type CliRunner } from "../support/cli";
import { countRows, insertPrincipalRow, insertServiceTokenRow, insertUser, type SeedUser } from "../support/seed";

let testDb: TestDatabase;
let cli: CliRunner;
let alice: SeedUser;
let bob: SeedUser;
let inactive: SeedUser;

beforeAll(async () => {
  testDb = await createTestDatabase("migrated");
  cli = cliRunner(testDb.handle);
  alice = await insertUser(testDb.db);
  bob = await insertUser(testDb.db);
  inactive = await insertUser(testDb.db, { isActive: false });
});

afterAll(async () => {
  await testDb?.close();
});

async function principalRow(id: string) {
  const { rows } = await sql<{ name: string; service_type: string; active: boolean; created_by_id: string }>`
    SELECT name, service_type, active, created_by_id::text AS created_by_id FROM api_serviceprincipal WHERE id = ${id}::bigint`.execute(testDb.db);
  return rows[0];
}

describe("principals create", () => {
  it("creates an integration principal with the stripped name, and reports it", async () => {
    const created = await cli.json(["principals", "create", "--owner", alice.username, "--name", "  Mythic Sync  ", "--json"]);
    expect(created).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: "Mythic Sync",
      serviceType: "integration",
      active: true,
      owner: alice.username,
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      usableTokens: 0,
      reused: false,
    });
    expect(await principalRow(created.id)).toEqual({ name: "Mythic Sync", service_type: "integration", active: true, created_by_id: alice.id });
  });

  it("reuses the owner's active principal of the same name, ignoring case, and writes nothing", async () => {
    const first = await cli.json(["principals", "create", "--owner", alice.id, "--name", "Cobalt Bridge", "--json"]);
    const before = await countRows(testDb.db, "api_serviceprincipal");
    const again = await cli.json(["principals", "create", "--owner", alice.username, "--name", " cOBALT bRIDGE ", "--json"]);
    expect(again).toMatchObject({ id: first.id, name: "Cobalt Bridge", reused: true });
    expect(await countRows(testDb.db, "api_serviceprincipal")).toBe(before);

    const text = await cli(["principals", "create", "--owner", alice.username, "--name", "COBALT BRIDGE"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`principal: ${first.id} (existing, reused)`);
    expect(text.out).toContain("name:      Cobalt Bridge");
  });

  it("does not reuse another owner's principal of the same name", async () => {
    const mine = await cli.json(["principals", "create", "--owner", alice.username, "--name", "Shared Name", "--json"]);
    const theirs = await cli.json(["principals", "create", "--owner", bob.username, "--name", "shared name", "--json"]);
    expect(theirs.reused).toBe(false);
    expect(theirs.id).not.toBe(mine.id);
    expect(await principalRow(theirs.id)).toEqual({ name: "shared name", service_type: "integration", active: true, created_by_id: bob.id });
  });

  it("does not reuse an inactive principal of the same owner and name", async () => {
    const old = await insertPrincipalRow(testDb.db, { ownerId: alice.id, name: "Retired Sync", active: false });
    const created = await cli.json(["principals", "create", "--owner", alice.username, "--name", "retired sync", "--json"]);
    expect(created.reused).toBe(false);
    expect(created.id).not.toBe(old);
    expect(await principalRow(old)).toMatchObject({ active: false });
  });

  it("prints a plain report without --json", async () => {
    const result = await cli(["principals", "create", "--owner", bob.username, "--name", "Plain Output"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    expect(result.out).toMatch(/^principal: \d+ \(created\)\nname:      Plain Output\nowner:     \S+\n$/);
  });

  const refusals: Array<[string, () => string[], number, RegExp]> = [
    ["an inactive owner", () => ["--owner", inactive.username, "--name", "X"], EXIT.invalidInput, /the owner \S+ is not an active user/],
    ["an unknown owner", () => ["--owner", "no-such-user", "--name", "X"], EXIT.notFound, /user no-such-user does not exist/],
    ["an unknown owner id", () => ["--owner", "987654321", "--name", "X"], EXIT.notFound, /user 987654321 does not exist/],
    ["a blank name", () => ["--owner", alice.username, "--name", "   "], EXIT.invalidInput, /a principal name is required/],
    ["a name over 255 characters", () => ["--owner", alice.username, "--name", "n".repeat(256)], EXIT.invalidInput, /longer than 255 characters/],
    ["a missing --name", () => ["--owner", alice.username], EXIT.usage, /required option '--name <name>' not specified/],
    ["a missing --owner", () => ["--name", "X"], EXIT.usage, /required option '--owner <user>' not specified/],
  ];

  it.each(refusals)("refuses %s with its exit code and writes nothing", async (_label, args, code, message) => {
    const before = await countRows(testDb.db, "api_serviceprincipal");
    const result = await cli(["principals", "create", ...args()]);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(result.out).toBe("");
    expect(await countRows(testDb.db, "api_serviceprincipal")).toBe(before);
  });

  it("accepts a name of exactly 255 characters", async () => {
    const created = await cli.json(["principals", "create", "--owner", bob.username, "--name", "m".repeat(255), "--json"]);
    expect((await principalRow(created.id))?.name).toHaveLength(255);
  });
});

describe("principals list", () => {
  it("lists an owner's active principals by name, with their unrevoked token count; --all adds inactive ones", async () => {
    const owner = await insertUser(testDb.db);
    const zulu = await insertPrincipalRow(testDb.db, { ownerId: owner.id, name: "Zulu" });
    const alpha = await insertPrincipalRow(testDb.db, { ownerId: owner.id, name: "Alpha" });
    const gone = await insertPrincipalRow(testDb.db, { ownerId: owner.id, name: "Gone", active: false });
    await insertServiceTokenRow(testDb.db, { creatorId: owner.id, principalId: alpha });
    await insertServiceTokenRow(testDb.db, { creatorId: owner.id, principalId: alpha });
    await insertServiceTokenRow(testDb.db, { creatorId: owner.id, principalId: alpha, revoked: true });

    const listed = await cli.json(["principals", "list", "--owner", owner.username, "--json"]);
    expect(listed).toEqual([
      { id: alpha, name: "Alpha", serviceType: "integration", active: true, owner: owner.username, created: expect.any(String), usableTokens: 2 },
      { id: zulu, name: "Zulu", serviceType: "integration", active: true, owner: owner.username, created: expect.any(String), usableTokens: 0 },
    ]);
    const all = await cli.json(["principals", "list", "--owner", owner.username, "--all", "--json"]);
    expect(all.map((p: { id: string; active: boolean }) => [p.id, p.active])).toEqual([
      [alpha, true],
      [gone, false],
      [zulu, true],
    ]);

    const table = await cli(["principals", "list", "--owner", owner.username]);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+TYPE\s+STATUS\s+OWNER\s+TOKENS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      [alpha, "Alpha", "integration", "active", owner.username, "2"],
      [zulu, "Zulu", "integration", "active", owner.username, "0"],
    ]);
  });

  it("says (none) for an owner without principals, and refuses an unknown owner", async () => {
    const nobody = await insertUser(testDb.db);
    expect(await cli(["principals", "list", "--owner", nobody.username])).toEqual({ code: 0, out: "(none)\n", err: "" });
    const unknown = await cli(["principals", "list", "--owner", "ghost-owner"]);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.err).toBe("token-sidecar: user ghost-owner does not exist\n");
  });
});

describe("principals deactivate", () => {
  it("deactivates once; a second time is a conflict; tokens are left unrevoked", async () => {
    const owner = await insertUser(testDb.db);
    const principal = await insertPrincipalRow(testDb.db, { ownerId: owner.id, name: "To Deactivate" });
    const { tokenId } = await insertServiceTokenRow(testDb.db, { creatorId: owner.id, principalId: principal });

    const result = await cli(["principals", "deactivate", principal]);
    expect(result).toEqual({
      code: 0,
      out: `principal ${principal} (To Deactivate) deactivated; its 1 unrevoked token(s) no longer authenticate\n`,
      err: "",
    });
    expect(await principalRow(principal)).toMatchObject({ active: false });
    const { rows } = await sql<{ revoked: boolean }>`SELECT revoked FROM api_servicetoken WHERE id = ${tokenId}::bigint`.execute(testDb.db);
    expect(rows[0]?.revoked).toBe(false);

    const again = await cli(["principals", "deactivate", principal]);
    expect(again.code).toBe(EXIT.conflict);
    expect(again.err).toBe(`token-sidecar: service principal ${principal} is already inactive\n`);
  });

  it("--json shows the inactive principal", async () => {
    const owner = await insertUser(testDb.db);
    const principal = await insertPrincipalRow(testDb.db, { ownerId: owner.id, name: "Json Deactivate" });
    expect(await cli.json(["principals", "deactivate", principal, "--json"])).toMatchObject({ id: principal, active: false, name: "Json Deactivate" });
  });

  it.each([
    ["an unknown id", "99999999", EXIT.notFound, "service principal 99999999 does not exist"],
    ["a non-numeric id", "abc", EXIT.invalidInput, 'principal id "abc" is not a positive whole number'],
    ["id zero", "0", EXIT.invalidInput, 'principal id "0" is not a positive whole number'],
    ["a negative id", "-3", EXIT.invalidInput, 'principal id "-3" is not a positive whole number'],
  ])("refuses %s", async (_label, id, code, message) => {
    const result = await cli(["principals", "deactivate", id]);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
  });
});
