// `token-sidecar api-tokens create | list | revoke | expiry`, in-process against a test database,
// with Ghostwriter's rules for user API tokens (spec §2, §3, §8): the token has Ghostwriter's exact
// shape and only a Django Argon2id hash of its secret is stored; it is printed once, on creation
// or rotation, and never by list or revoke; expiry is required, in the future and within
// TOKEN_MAX_LIFETIME_DAYS; the user is an existing active user; revocation is final; changing the
// expiry rotates the credential (new identifier, prefix, secret and hash, no last use) so the old
// token stops working at once. Every refusal has its documented exit code and writes nothing.
// Acceptance is proven with the webhook's own credential check (verifyApiToken) and, once, with
// the whole sidecar answering Hasura.

import { sql } from "kysely";
import { EXIT } from "../../cli/exit-codes";
import { argon2Parameters, verifySecret } from "../../webhook/credentials/django-hashers";
import { verifyApiToken } from "../../webhook/credentials/api-token";
import { CredentialRejected } from "../../webhook/credentials/rejection";
import { parseToken } from "../../webhook/credentials/token-format";
import type { ApiKeyRecord } from "../../webhook/db/repositories/api-keys";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { cliRunner, type CliRunner } from "../support/cli";
import { CHEAP_ARGON2, credentialSnapshot, insertApiKeyRow, insertUser, setUserActive, type SeedUser } from "../support/seed";
import { clientHeaders, hasuraAsks } from "../contract/hasura";
import { startTestSidecar } from "../contract/sidecar";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

/** Ghostwriter's layout: gwat_ + 16 lowercase hex + _ + 43 base64url characters (65 in all). */
const GWAT = /^gwat_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;
/** Django's Argon2PasswordHasher encoding, at the cheap parameters the test runner configures. */
const DJANGO_ARGON2ID = /^argon2\$argon2id\$v=19\$m=8192,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let testDb: TestDatabase;
let cli: CliRunner;

beforeAll(async () => {
  testDb = await createTestDatabase("migrated");
  cli = cliRunner(testDb.handle, { now: () => NOW });
});

afterAll(async () => {
  await testDb?.close();
});

interface KeyRow {
  name: string;
  token: string;
  identifier: string;
  token_prefix: string | null;
  secret_hash: string | null;
  created: string;
  expiry_date: string | null;
  last_used_at: string | null;
  revoked: boolean;
  user_id: string;
}

async function keyRow(id: string): Promise<KeyRow | undefined> {
  const { rows } = await sql<KeyRow>`
    SELECT name, token, identifier::text AS identifier, token_prefix, secret_hash, created, expiry_date, last_used_at, revoked,
      user_id::text AS user_id
    FROM api_apikey WHERE id = ${id}::bigint`.execute(testDb.db);
  const row = rows[0];
  const iso = (value: unknown) => (value === null ? null : new Date(value as string).toISOString());
  return row && { ...row, created: iso(row.created) as string, expiry_date: iso(row.expiry_date), last_used_at: iso(row.last_used_at) };
}

/** The webhook's own gwat_ check: unrevoked prefix lookup, secret, expiry, active user. */
async function webhookVerdict(token: string, at: Date = NOW): Promise<ApiKeyRecord | string> {
  const parsed = parseToken(token);
  if (!parsed) return "malformed";
  try {
    return await verifyApiToken(testDb.db, parsed.prefix, (record) => verifySecret(parsed.secret, record.secretHash), at);
  } catch (error) {
    if (error instanceof CredentialRejected) return error.reason;
    throw error;
  }
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

const secretOf = (token: string) => parseToken(token)!.secret;

async function created(user: SeedUser, name = "Token", expires = "30d") {
  return cli.json(["api-tokens", "create", "--user", user.username, "--name", name, "--expires", expires, "--json"]);
}

describe("api-tokens create", () => {
  it("--json: Ghostwriter's token shape, a Django Argon2id hash of the secret, the token printed once", async () => {
    const user = await insertUser(testDb.db);
    const result = await cli(["api-tokens", "create", "--user", user.username, "--name", "CI pipeline", "--expires", "30d", "--json"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const view = JSON.parse(result.out);
    expect(view.token).toMatch(GWAT);
    expect(view.token).toHaveLength(65);
    const parsed = parseToken(view.token)!;
    expect(parsed.kind).toBe("gwat");
    expect(view).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: "CI pipeline",
      prefix: `gwat_${parsed.prefix}`,
      status: "active",
      user: user.username,
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expires: inDays(30),
      lastUsedAt: null,
      token: view.token,
    });
    expect(occurrences(result.out, parsed.secret)).toBe(1);

    const row = await keyRow(view.id);
    expect(row).toMatchObject({
      name: "CI pipeline",
      token: "", // Ghostwriter's legacy plaintext column stays blank
      identifier: expect.stringMatching(UUID),
      token_prefix: parsed.prefix,
      expiry_date: inDays(30),
      last_used_at: null,
      revoked: false,
      user_id: user.id,
    });
    expect(row!.secret_hash).toMatch(DJANGO_ARGON2ID);
    expect(argon2Parameters(row!.secret_hash!)).toEqual(CHEAP_ARGON2);
    await expect(verifySecret(parsed.secret, row!.secret_hash)).resolves.toBe(true);
    const flipped = `${parsed.secret.slice(0, -1)}${parsed.secret.endsWith("A") ? "B" : "A"}`;
    await expect(verifySecret(flipped, row!.secret_hash)).resolves.toBe(false);

    // The secret is stored nowhere: not in the row, not in any other credential table.
    const stored = JSON.stringify(await credentialSnapshot(testDb.db));
    expect(stored).toContain(parsed.prefix);
    expect(stored).not.toContain(parsed.secret);

    // The webhook accepts it as this user.
    const accepted = await webhookVerdict(view.token);
    expect(accepted).toMatchObject({ id: view.id, user: { id: user.id, username: user.username, isActive: true } });
  });

  it("plain output: a summary, then the token once, on the last line", async () => {
    const user = await insertUser(testDb.db);
    const result = await cli(["api-tokens", "create", "--user", user.id, "--name", "  Plain  ", "--expires", "2d"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const token = result.out.trimEnd().split("\n").pop() as string;
    expect(token).toMatch(GWAT);
    const expires = inDays(2).replace(/\.\d{3}Z$/, "Z");
    expect(result.out).toMatch(
      new RegExp(`^API token: \\d+ \\(Plain\\)\\nuser:      ${user.username}\\nexpires:   ${expires}\\n\\nToken \\(shown once; store it now, it cannot be shown again\\):\\n${token}\\n$`),
    );
    expect(occurrences(result.out, secretOf(token))).toBe(1);
    expect(typeof (await webhookVerdict(token))).toBe("object");
  });

  it("every token is new: distinct prefixes, secrets, hashes and identifiers", async () => {
    const user = await insertUser(testDb.db);
    const a = await created(user, "A");
    const b = await created(user, "B");
    const [rowA, rowB] = [await keyRow(a.id), await keyRow(b.id)];
    expect(parseToken(a.token)!.prefix).not.toBe(parseToken(b.token)!.prefix);
    expect(secretOf(a.token)).not.toBe(secretOf(b.token));
    expect(rowA!.secret_hash).not.toBe(rowB!.secret_hash);
    expect(rowA!.identifier).not.toBe(rowB!.identifier);
  });

  it.each([
    ["a duration", "2h", new Date(NOW.getTime() + 2 * 3_600_000).toISOString()],
    // The same instant as NOW + 2h, written in UTC+02:00 wall-clock time.
    ["a date-time with an offset", `${new Date(NOW.getTime() + 4 * 3_600_000).toISOString().slice(0, 19)}+02:00`, new Date(NOW.getTime() + 2 * 3_600_000).toISOString()],
    ["a date (the end of that day, UTC)", inDays(3).slice(0, 10), `${inDays(3).slice(0, 10)}T23:59:59.000Z`],
    ["an ISO date-time", inDays(7), inDays(7)],
  ])("accepts %s as the expiry", async (_label, expires, stored) => {
    const user = await insertUser(testDb.db);
    const view = await created(user, "Dated", expires);
    expect(view.expires).toBe(stored);
    expect((await keyRow(view.id))!.expiry_date).toBe(stored);
  });

  it("accepts exactly TOKEN_MAX_LIFETIME_DAYS, from the environment", async () => {
    const user = await insertUser(testDb.db);
    const view = await cli.json(["api-tokens", "create", "--user", user.username, "--name", "Max", "--expires", "30d", "--json"], { TOKEN_MAX_LIFETIME_DAYS: "30" });
    expect(view.expires).toBe(inDays(30));
    const defaultMax = await created(user, "Default max", "365d");
    expect(defaultMax.expires).toBe(inDays(365));
  });
});

describe("api-tokens create refuses bad input, with its exit code, and writes nothing", () => {
  let active: SeedUser;
  let inactive: SeedUser;
  beforeAll(async () => {
    active = await insertUser(testDb.db);
    inactive = await insertUser(testDb.db, { isActive: false });
  });
  const args = (user: string, name: string, ...rest: string[]) => ["api-tokens", "create", "--user", user, "--name", name, ...rest];

  const cases: [string, () => string[], number, string, Record<string, string> | undefined][] = [
    ["no --expires (Ghostwriter's form requires it)", () => args(active.username, "T"), EXIT.invalidInput, "an expiry is required", undefined],
    ["a blank expiry", () => args(active.username, "T", "--expires", "  "), EXIT.invalidInput, "an expiry is required", undefined],
    ["an expiry in the past", () => args(active.username, "T", "--expires", "2000-01-01T00:00:00Z"), EXIT.invalidInput, "The token expiration date cannot be in the past", undefined],
    ["an expiry of right now", () => args(active.username, "T", "--expires", NOW.toISOString()), EXIT.invalidInput, "The token expiration date cannot be in the past", undefined],
    ["an expiry that is not a date", () => args(active.username, "T", "--expires", "tomorrow"), EXIT.invalidInput, 'expiry "tomorrow" is not a date-time', undefined],
    ["an impossible date", () => args(active.username, "T", "--expires", "2027-02-31"), EXIT.invalidInput, 'expiry "2027-02-31" is not a date-time', undefined],
    ["an expiry beyond the default 365 days", () => args(active.username, "T", "--expires", "366d"), EXIT.invalidInput, "the expiry is more than 365 days away", undefined],
    ["an expiry beyond TOKEN_MAX_LIFETIME_DAYS", () => args(active.username, "T", "--expires", "31d"), EXIT.invalidInput, "the expiry is more than 30 days away", { TOKEN_MAX_LIFETIME_DAYS: "30" }],
    ["an inactive user", () => args(inactive.username, "T", "--expires", "7d"), EXIT.invalidInput, "is not an active user", undefined],
    ["an inactive user, by id", () => args(inactive.id, "T", "--expires", "7d"), EXIT.invalidInput, "is not an active user", undefined],
    ["an unknown user", () => args("no-such-user", "T", "--expires", "7d"), EXIT.notFound, "user no-such-user does not exist", undefined],
    ["an unknown user id", () => args("99999999", "T", "--expires", "7d"), EXIT.notFound, "user 99999999 does not exist", undefined],
    ["a blank name", () => args(active.username, "   ", "--expires", "7d"), EXIT.invalidInput, "a token name is required", undefined],
    ["an empty name", () => args(active.username, "", "--expires", "7d"), EXIT.invalidInput, "a token name is required", undefined],
    ["a name longer than the column", () => args(active.username, "n".repeat(256), "--expires", "7d"), EXIT.invalidInput, "the token name is longer than 255 characters", undefined],
    ["a missing --user", () => ["api-tokens", "create", "--name", "T", "--expires", "7d"], EXIT.usage, "required option '--user <user>' not specified", undefined],
    ["a missing --name", () => ["api-tokens", "create", "--user", active.username, "--expires", "7d"], EXIT.usage, "required option '--name <name>' not specified", undefined],
    ["an unknown option", () => args(active.username, "T", "--expires", "7d", "--forever"), EXIT.usage, "unknown option '--forever'", undefined],
  ];

  // A rest parameter: five named parameters would make jest treat a short row's `done` as env.
  it.each(cases)("%s", async (...[, argv, code, message, env]) => {
    const before = await credentialSnapshot(testDb.db);
    const result = await cli(argv(), env);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(result.err).not.toContain("unexpected error");
    expect(result.out).toBe("");
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });
});

describe("api-tokens list", () => {
  it("shows status and last use, never a secret; revoked tokens only with --all", async () => {
    const user = await insertUser(testDb.db);
    const other = await insertUser(testDb.db);
    const a = await created(user, "First", "10d");
    const b = await created(user, "Second", "20d");
    const c = await created(user, "Third", "5d");
    const theirs = await created(other, "Theirs", "5d");
    const usedAt = new Date(NOW.getTime() - 3_600_000);
    await sql`UPDATE api_apikey SET last_used_at = ${usedAt} WHERE id = ${a.id}::bigint`.execute(testDb.db);
    expect((await cli(["api-tokens", "revoke", c.id])).code).toBe(0);
    const view = ({ token: _token, ...rest }: Record<string, unknown>) => rest;

    const listed = await cli.json(["api-tokens", "list", "--user", user.username, "--json"]);
    expect(listed).toEqual([view(b), { ...view(a), lastUsedAt: usedAt.toISOString() }]);

    const all = await cli.json(["api-tokens", "list", "--user", user.id, "--all", "--json"]);
    expect(all).toEqual([{ ...view(c), status: "revoked" }, view(b), { ...view(a), lastUsedAt: usedAt.toISOString() }]);

    // Without --user: every user's tokens (newest first).
    const everyone = await cli.json(["api-tokens", "list", "--json"]);
    const ids = everyone.map((t: { id: string }) => t.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id, theirs.id]));
    expect(ids).not.toContain(c.id);
    expect(ids.indexOf(theirs.id)).toBeLessThan(ids.indexOf(a.id));

    const table = await cli(["api-tokens", "list", "--user", user.username, "--all"]);
    expect(table.code).toBe(0);
    expect(table.err).toBe("");
    const lines = table.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+USER\s+STATUS\s+EXPIRES\s+LAST USED$/);
    expect(lines).toHaveLength(4);
    const at = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");
    expect(lines[1]).toMatch(new RegExp(`^${c.id}\\s+Third\\s+${c.prefix}\\s+${user.username}\\s+revoked\\s+${at(inDays(5))}\\s+-$`));
    expect(lines[2]).toMatch(new RegExp(`^${b.id}\\s+Second\\s+${b.prefix}\\s+${user.username}\\s+active\\s+${at(inDays(20))}\\s+-$`));
    expect(lines[3]).toMatch(new RegExp(`^${a.id}\\s+First\\s+${a.prefix}\\s+${user.username}\\s+active\\s+${at(inDays(10))}\\s+${at(usedAt.toISOString())}$`));

    for (const output of [JSON.stringify(listed), JSON.stringify(all), JSON.stringify(everyone), table.out]) {
      for (const token of [a, b, c, theirs]) expect(output).not.toContain(secretOf(token.token));
    }
  });

  it("marks an expired token as expired, and a pre-Ghostwriter-7 row as legacy", async () => {
    const user = await insertUser(testDb.db);
    const soon = await created(user, "Soon", "1h");
    const legacy = await insertApiKeyRow(testDb.db, { userId: user.id, name: "Legacy", prefix: null, secretHash: null, expiryDate: null });
    const later = cliRunner(testDb.handle, { now: () => new Date(NOW.getTime() + 2 * 3_600_000) });
    const listed = await later.json(["api-tokens", "list", "--user", user.username, "--json"]);
    expect(listed.map((t: { id: string; status: string; prefix: string | null }) => [t.id, t.status, t.prefix])).toEqual([
      [legacy.apiKeyId, "legacy (must be rotated)", null],
      [soon.id, "expired", soon.prefix],
    ]);
    expect(await webhookVerdict(soon.token, new Date(NOW.getTime() + 2 * 3_600_000))).toBe("expired");
  });

  it("an unknown --user is not found; a user without tokens lists none", async () => {
    expect(await cli(["api-tokens", "list", "--user", "not-a-user"])).toEqual({ code: EXIT.notFound, out: "", err: "token-sidecar: user not-a-user does not exist\n" });
    const empty = await insertUser(testDb.db);
    expect(await cli(["api-tokens", "list", "--user", empty.username])).toEqual({ code: 0, out: "(none)\n", err: "" });
    expect(await cli.json(["api-tokens", "list", "--user", empty.username, "--json"])).toEqual([]);
  });
});

describe("api-tokens revoke", () => {
  it("revokes once and for good: the webhook refuses it; a second revoke and an expiry change are conflicts", async () => {
    const user = await insertUser(testDb.db);
    const token = await created(user, "Doomed");
    const before = await keyRow(token.id);
    const revoked = await cli(["api-tokens", "revoke", token.id]);
    expect(revoked).toEqual({ code: 0, out: `API token ${token.id} (Doomed) revoked\n`, err: "" });
    // Only the flag changes; the row stays (Ghostwriter never deletes tokens).
    expect(await keyRow(token.id)).toEqual({ ...before, revoked: true });
    expect(await webhookVerdict(token.token)).toBe("unknown_token");

    const snapshot = await credentialSnapshot(testDb.db);
    expect(await cli(["api-tokens", "revoke", token.id])).toEqual({ code: EXIT.conflict, out: "", err: `token-sidecar: API token ${token.id} is already revoked\n` });
    expect(await cli(["api-tokens", "expiry", token.id, "--expires", "30d"])).toEqual({
      code: EXIT.conflict,
      out: "",
      err: "token-sidecar: Revoked API tokens cannot be updated.\n",
    });
    expect(await credentialSnapshot(testDb.db)).toEqual(snapshot);
    expect(await webhookVerdict(token.token)).toBe("unknown_token");
  });

  it("--json shows the revoked token without its secret", async () => {
    const user = await insertUser(testDb.db);
    const token = await created(user, "J");
    const result = await cli(["api-tokens", "revoke", token.id, "--json"]);
    expect(result.code).toBe(0);
    const { token: plain, ...view } = token;
    expect(JSON.parse(result.out)).toEqual({ ...view, status: "revoked" });
    expect(result.out).not.toContain(secretOf(plain));
  });

  it.each([
    ["an unknown id", "99999999", EXIT.notFound, "API token 99999999 does not exist"],
    ["a word", "abc", EXIT.invalidInput, 'API token id "abc" is not a positive whole number'],
    ["zero", "0", EXIT.invalidInput, 'API token id "0" is not a positive whole number'],
    ["a fraction", "1.5", EXIT.invalidInput, 'API token id "1.5" is not a positive whole number'],
    ["a whole token instead of its id", "gwat_0123456789abcdef_x", EXIT.invalidInput, 'API token id "gwat_0123456789abcdef_x" is not a positive whole number'],
    ["an id beyond bigint", "9".repeat(19), EXIT.invalidInput, `API token id "${"9".repeat(19)}" is not a positive whole number`],
  ])("refuses %s and changes nothing", async (_label, id, code, message) => {
    const before = await credentialSnapshot(testDb.db);
    expect(await cli(["api-tokens", "revoke", id])).toEqual({ code, out: "", err: `token-sidecar: ${message}\n` });
    expect(await cli(["api-tokens", "expiry", id, "--expires", "7d"])).toEqual({ code, out: "", err: `token-sidecar: ${message}\n` });
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });

  it("a missing id is a usage error", async () => {
    const result = await cli(["api-tokens", "revoke"]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain("missing required argument 'id'");
  });
});

describe("api-tokens expiry rotates the token", () => {
  it("--json: new identifier, prefix, secret and hash; no last use; the old token stops working, the new one works", async () => {
    const user = await insertUser(testDb.db);
    const original = await created(user, "Rotate me", "7d");
    await sql`UPDATE api_apikey SET last_used_at = ${new Date(NOW.getTime() - 60_000)} WHERE id = ${original.id}::bigint`.execute(testDb.db);
    const before = (await keyRow(original.id))!;
    expect(typeof (await webhookVerdict(original.token))).toBe("object");

    const result = await cli(["api-tokens", "expiry", original.id, "--expires", "60d", "--json"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const rotated = JSON.parse(result.out);
    expect(rotated.token).toMatch(GWAT);
    const fresh = parseToken(rotated.token)!;
    const old = parseToken(original.token)!;
    expect(rotated).toEqual({
      id: original.id,
      name: "Rotate me",
      prefix: `gwat_${fresh.prefix}`,
      status: "active",
      user: user.username,
      created: original.created,
      expires: inDays(60),
      lastUsedAt: null,
      token: rotated.token,
    });
    expect(occurrences(result.out, fresh.secret)).toBe(1);
    expect(result.out).not.toContain(old.secret);

    const after = (await keyRow(original.id))!;
    expect(fresh.prefix).not.toBe(old.prefix);
    expect(after.identifier).toMatch(UUID);
    expect(after.identifier).not.toBe(before.identifier);
    expect(after.secret_hash).not.toBe(before.secret_hash);
    expect(after.secret_hash).toMatch(DJANGO_ARGON2ID);
    expect(after).toEqual({
      ...before,
      identifier: after.identifier,
      token_prefix: fresh.prefix,
      secret_hash: after.secret_hash,
      expiry_date: inDays(60),
      last_used_at: null,
    });
    await expect(verifySecret(fresh.secret, after.secret_hash)).resolves.toBe(true);
    await expect(verifySecret(old.secret, after.secret_hash)).resolves.toBe(false);
    expect(JSON.stringify(await credentialSnapshot(testDb.db))).not.toContain(fresh.secret);

    // The old token's prefix is gone; the old secret under the new prefix does not verify either.
    expect(await webhookVerdict(original.token)).toBe("unknown_token");
    expect(await webhookVerdict(`gwat_${fresh.prefix}_${old.secret}`)).toBe("bad_secret");
    expect(await webhookVerdict(rotated.token)).toMatchObject({ id: original.id, user: { id: user.id } });
  });

  it("plain output: what happened, then the replacement once", async () => {
    const user = await insertUser(testDb.db);
    const original = await created(user, "Plain rotation", "7d");
    const result = await cli(["api-tokens", "expiry", original.id, "--expires", "14d"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const token = result.out.trimEnd().split("\n").pop() as string;
    expect(token).toMatch(GWAT);
    expect(result.out).toBe(
      `API token ${original.id} rotated; it now expires ${inDays(14)}. The old token no longer works.\n\nReplacement token (shown once; store it now):\n${token}\n`,
    );
    expect(await webhookVerdict(original.token)).toBe("unknown_token");
    expect(typeof (await webhookVerdict(token))).toBe("object");
  });

  it("rotating twice retires each previous token", async () => {
    const user = await insertUser(testDb.db);
    const first = await created(user, "Twice", "7d");
    const second = await cli.json(["api-tokens", "expiry", first.id, "--expires", "8d", "--json"]);
    const third = await cli.json(["api-tokens", "expiry", first.id, "--expires", "9d", "--json"]);
    expect(new Set([first.prefix, second.prefix, third.prefix]).size).toBe(3);
    expect(await webhookVerdict(first.token)).toBe("unknown_token");
    expect(await webhookVerdict(second.token)).toBe("unknown_token");
    expect(typeof (await webhookVerdict(third.token))).toBe("object");
  });

  it("an expired token may be given a new expiry (and so a new secret)", async () => {
    const user = await insertUser(testDb.db);
    const soon = await created(user, "Lapsed", "1h");
    const laterNow = new Date(NOW.getTime() + 2 * 3_600_000);
    const later = cliRunner(testDb.handle, { now: () => laterNow });
    expect(await webhookVerdict(soon.token, laterNow)).toBe("expired");
    const rotated = await later.json(["api-tokens", "expiry", soon.id, "--expires", "1d", "--json"]);
    expect(rotated).toMatchObject({ status: "active", expires: new Date(laterNow.getTime() + DAY).toISOString() });
    expect(typeof (await webhookVerdict(rotated.token, laterNow))).toBe("object");
  });

  it("a legacy row (no prefix, no hash: it can never validate) becomes usable by rotation", async () => {
    const user = await insertUser(testDb.db);
    const legacy = await insertApiKeyRow(testDb.db, { userId: user.id, name: "Legacy", prefix: null, secretHash: null, expiryDate: null });
    const rotated = await cli.json(["api-tokens", "expiry", legacy.apiKeyId, "--expires", "30d", "--json"]);
    expect(rotated).toMatchObject({ id: legacy.apiKeyId, status: "active", expires: inDays(30) });
    expect(rotated.token).toMatch(GWAT);
    expect((await keyRow(legacy.apiKeyId))!.identifier).not.toBe(legacy.identifier);
    expect(typeof (await webhookVerdict(rotated.token))).toBe("object");
  });

  it.each([
    ["an expiry in the past", ["--expires", "2000-01-01"], EXIT.invalidInput, "The token expiration date cannot be in the past", undefined],
    ["an expiry beyond the maximum lifetime", ["--expires", "400d"], EXIT.invalidInput, "the expiry is more than 365 days away", undefined],
    ["an expiry beyond TOKEN_MAX_LIFETIME_DAYS", ["--expires", "8d"], EXIT.invalidInput, "the expiry is more than 7 days away", { TOKEN_MAX_LIFETIME_DAYS: "7" }],
    ["a blank expiry", ["--expires", " "], EXIT.invalidInput, "an expiry is required", undefined],
    ["an expiry that is not a date", ["--expires", "soon"], EXIT.invalidInput, 'expiry "soon" is not a date-time', undefined],
    ["no --expires", [], EXIT.usage, "required option '--expires <when>' not specified", undefined],
  ] as [string, string[], number, string, Record<string, string> | undefined][])("refuses %s: nothing changes and the token keeps working", async (...[, extra, code, message, env]) => {
    const user = await insertUser(testDb.db);
    const token = await created(user, "Keep", "7d");
    const before = await credentialSnapshot(testDb.db);
    const result = await cli(["api-tokens", "expiry", token.id, ...extra], env);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(result.out).toBe("");
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
    expect(typeof (await webhookVerdict(token.token))).toBe("object");
  });

  it("refuses to rotate an inactive user's token: no replacement, nothing changes", async () => {
    const user = await insertUser(testDb.db);
    const token = await created(user, "Dormant", "7d");
    await setUserActive(testDb.db, user.id, false);
    const before = await credentialSnapshot(testDb.db);
    const result = await cli(["api-tokens", "expiry", token.id, "--expires", "30d"]);
    expect(result).toEqual({ code: EXIT.invalidInput, out: "", err: `token-sidecar: the user ${user.username} is not an active user\n` });
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });
});

describe("the running webhook agrees (no answer cache, so every request is checked afresh)", () => {
  it("accepts a created token as its user, refuses it once rotated, accepts the replacement until revoked", async () => {
    const sidecar = await startTestSidecar(testDb.handle, { AUTH_CACHE_MAX_ENTRIES: "0" });
    try {
      const user = await insertUser(testDb.db, { role: "manager" });
      const ask = async (token: string) => {
        const res = await hasuraAsks(sidecar.app, "GET", clientHeaders(`Bearer ${token}`));
        return { status: res.status, role: res.body["X-Hasura-Role"], userId: res.body["X-Hasura-User-Id"] };
      };
      const original = await created(user, "Live", "7d");
      expect(await ask(original.token)).toEqual({ status: 200, role: "manager", userId: user.id });

      const rotated = await cli.json(["api-tokens", "expiry", original.id, "--expires", "14d", "--json"]);
      expect((await ask(original.token)).status).toBe(401);
      expect(await ask(rotated.token)).toEqual({ status: 200, role: "manager", userId: user.id });

      expect((await cli(["api-tokens", "revoke", original.id])).code).toBe(0);
      expect((await ask(rotated.token)).status).toBe(401);
    } finally {
      await sidecar.stop();
    }
    // The webhook must never have been handed a secret to log.
    expect(sidecar.logs.join("")).not.toMatch(/gwat_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/);
  });
});
