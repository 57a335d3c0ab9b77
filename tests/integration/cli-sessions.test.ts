// `token-sidecar sessions issue | list | revoke | clear-expired`, in-process against a test
// database, with Ghostwriter's login-session rules (spec §6, §3 api_usersession): `issue` does what
// the login action does — one api_usersession row and an HS256 JWT with typ ghostwriter-user+jwt,
// Ghostwriter's claims, and jti = the row's identifier; `list` shows live sessions unless --all;
// revocation (by jti or every live session of --user) sets revoked_at once and for good;
// clear-expired deletes exactly the rows with expires_at < now. Every refusal has its documented
// exit code and writes nothing. Acceptance is proven with the webhook's own checks
// (verifyGhostwriterJwt + verifyLoginSession) and, once, with the whole sidecar answering Hasura.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { EXIT } from "../../cli/exit-codes";
import { verifyGhostwriterJwt } from "../../webhook/credentials/jwt";
import { verifyLoginSession } from "../../webhook/credentials/login-jwt";
import { CredentialRejected } from "../../webhook/credentials/rejection";
import type { SessionRecord } from "../../webhook/db/repositories/user-sessions";
import { createTestDatabase, usingPostgres, type TestDatabase } from "../support/database";
import { cliRunner, type CliRunner } from "../support/cli";
import { credentialSnapshot, insertSessionRow, insertUser, setUserActive, type SeedUser } from "../support/seed";
import { clientHeaders, hasuraAsks } from "../contract/hasura";
import { startTestSidecar } from "../contract/sidecar";
// The secret the contract sidecar verifies with, so the CLI's JWTs can be presented to it.
import { JWT_SECRET } from "../contract/world";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const MINUTE = 60_000;
const NOW_S = NOW.getTime() / 1000;
const KEY = new TextEncoder().encode(JWT_SECRET);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

let testDb: TestDatabase;
let cli: CliRunner;

beforeAll(async () => {
  testDb = await createTestDatabase("migrated");
  cli = cliRunner(testDb.handle, { now: () => NOW, env: { JWT_SECRET } });
});

afterAll(async () => {
  await testDb?.close();
});

/** A runner whose clock reads `at` (same database, same secret). */
const cliAt = (at: Date) => cliRunner(testDb.handle, { now: () => at, env: { JWT_SECRET } });

interface SessionRow {
  id: string;
  identifier: string;
  user_id: string;
  created: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by_id: string | null;
}

async function sessionRow(identifier: string): Promise<SessionRow | undefined> {
  const { rows } = await sql<SessionRow>`
    SELECT id::text AS id, identifier::text AS identifier, user_id::text AS user_id, created, expires_at, revoked_at,
      revoked_by_id::text AS revoked_by_id
    FROM api_usersession WHERE identifier = ${identifier}::uuid`.execute(testDb.db);
  const row = rows[0];
  const iso = (value: unknown) => (value === null ? null : new Date(value as string).toISOString());
  return row && { ...row, created: iso(row.created) as string, expires_at: iso(row.expires_at) as string, revoked_at: iso(row.revoked_at) };
}

/** The webhook's login-JWT path: signature, aud, exp and typ, then the tracked session. */
async function webhookVerdict(jwt: string, at: Date = NOW): Promise<SessionRecord | string> {
  try {
    const verified = await verifyGhostwriterJwt(jwt, { secret: KEY, audience: "Ghostwriter" }, at);
    return await verifyLoginSession(testDb.db, verified, at);
  } catch (error) {
    if (error instanceof CredentialRejected) return error.reason;
    throw error;
  }
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

async function issued(user: SeedUser, extra: string[] = [], runner: CliRunner = cli) {
  return runner.json(["sessions", "issue", "--user", user.username, ...extra, "--json"]);
}

describe("sessions issue", () => {
  it("--json: one tracked session, and Ghostwriter's login JWT for it (HS256, typ, claims, jti = identifier)", async () => {
    const user = await insertUser(testDb.db, { email: `${randomUUID()}@example.test` });
    const result = await cli(["sessions", "issue", "--user", user.username, "--json"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const view = JSON.parse(result.out);
    const expiresAt = new Date(NOW.getTime() + 15 * MINUTE).toISOString();
    expect(view).toEqual({
      id: expect.stringMatching(/^\d+$/),
      identifier: expect.stringMatching(UUID),
      user: user.username,
      status: "active",
      created: NOW.toISOString(),
      expiresAt,
      revokedAt: null,
      jwt: expect.stringMatching(JWT),
    });
    expect(occurrences(result.out, view.jwt)).toBe(1);

    expect(decodeProtectedHeader(view.jwt)).toEqual({ alg: "HS256", typ: "ghostwriter-user+jwt" });
    const { payload } = await jwtVerify(view.jwt, KEY, { algorithms: ["HS256"], audience: "Ghostwriter", currentDate: NOW });
    const { rows: emails } = await sql<{ email: string }>`SELECT email FROM users_user WHERE id = ${user.id}::bigint`.execute(testDb.db);
    // generate_jwt's base payload, plus the jti of the tracked session.
    expect(payload).toEqual({
      sub: user.id,
      sub_name: user.username,
      sub_email: emails[0]!.email,
      aud: "Ghostwriter",
      iat: NOW_S,
      exp: NOW_S + 15 * 60,
      jti: view.identifier,
    });
    await expect(jwtVerify(view.jwt, new TextEncoder().encode(`${JWT_SECRET}-other`), { audience: "Ghostwriter", currentDate: NOW })).rejects.toThrow();

    expect(await sessionRow(view.identifier)).toEqual({
      id: view.id,
      identifier: view.identifier,
      user_id: user.id,
      created: NOW.toISOString(),
      expires_at: expiresAt,
      revoked_at: null,
      revoked_by_id: null,
    });
    // The JWT itself is never stored.
    expect(JSON.stringify(await credentialSnapshot(testDb.db))).not.toContain(view.jwt.split(".")[2]);

    expect(await webhookVerdict(view.jwt)).toMatchObject({ identifier: view.identifier, user: { id: user.id, isActive: true } });
    expect(await webhookVerdict(view.jwt, new Date(NOW.getTime() + 16 * MINUTE))).toBe("jwt_invalid"); // past exp (+10 s leeway)
  });

  it("plain output: the session, then the JWT once", async () => {
    const user = await insertUser(testDb.db);
    const result = await cli(["sessions", "issue", "--user", user.id]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const jwt = result.out.trimEnd().split("\n").pop() as string;
    expect(jwt).toMatch(JWT);
    const { payload } = await jwtVerify(jwt, KEY, { audience: "Ghostwriter", currentDate: NOW });
    expect(result.out).toBe(
      `session ${payload.jti} for ${user.username}, expires ${new Date(NOW.getTime() + 15 * MINUTE).toISOString()}\n\nLogin JWT (shown once):\n${jwt}\n`,
    );
    expect(typeof (await webhookVerdict(jwt))).toBe("object");
  });

  it("--minutes sets both the row's expiry and the JWT's exp", async () => {
    const user = await insertUser(testDb.db);
    const view = await issued(user, ["--minutes", "60"]);
    expect(view.expiresAt).toBe(new Date(NOW.getTime() + 60 * MINUTE).toISOString());
    const { payload } = await jwtVerify(view.jwt, KEY, { audience: "Ghostwriter", currentDate: NOW });
    expect(payload.exp).toBe(NOW_S + 3600);
    expect((await sessionRow(view.identifier))!.expires_at).toBe(view.expiresAt);
  });

  it("honours JWT_AUDIENCE, and Ghostwriter's variable name DJANGO_JWT_SECRET_KEY", async () => {
    const user = await insertUser(testDb.db);
    const django = "django-jwt-secret-key-for-this-test-0123456789";
    const view = await cli.json(["sessions", "issue", "--user", user.username, "--json"], { JWT_SECRET: undefined, DJANGO_JWT_SECRET_KEY: django, JWT_AUDIENCE: "Elsewhere" });
    const { payload } = await jwtVerify(view.jwt, new TextEncoder().encode(django), { audience: "Elsewhere", currentDate: NOW });
    expect(payload.jti).toBe(view.identifier);
  });

  it("each issue is a new session with a new jti", async () => {
    const user = await insertUser(testDb.db);
    const a = await issued(user);
    const b = await issued(user);
    expect(a.identifier).not.toBe(b.identifier);
    expect(a.jwt).not.toBe(b.jwt);
  });

  it("without a JWT secret: refused against PostgreSQL; the embedded database keeps its own", async () => {
    const user = await insertUser(testDb.db);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "cli-sessions-"));
    try {
      const noSecret = cliRunner(testDb.handle, { now: () => NOW, cwd });
      const before = await credentialSnapshot(testDb.db);
      const result = await noSecret(["sessions", "issue", "--user", user.username, "--json"]);
      if (usingPostgres) {
        expect(result).toEqual({ code: EXIT.invalidInput, out: "", err: "token-sidecar: JWT_SECRET (or DJANGO_JWT_SECRET_KEY) is needed to sign a login JWT\n" });
        expect(await credentialSnapshot(testDb.db)).toEqual(before);
      } else {
        // What `serve` on the embedded database verifies with: <cwd>/.data/jwt-secret.
        expect(result.code).toBe(0);
        const secret = fs.readFileSync(path.join(cwd, ".data", "jwt-secret"), "utf8").trim();
        const view = JSON.parse(result.out);
        const { payload } = await jwtVerify(view.jwt, new TextEncoder().encode(secret), { audience: "Ghostwriter", currentDate: NOW });
        expect(payload.jti).toBe(view.identifier);
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  describe("refuses bad input, with its exit code, and writes nothing", () => {
    let active: SeedUser;
    let inactive: SeedUser;
    beforeAll(async () => {
      active = await insertUser(testDb.db);
      inactive = await insertUser(testDb.db, { isActive: false });
    });

    const cases: [string, () => string[], number, string, Record<string, string> | undefined][] = [
      ["an inactive user", () => ["--user", inactive.username], EXIT.invalidInput, "is not an active user", undefined],
      ["an unknown user", () => ["--user", "nobody-here"], EXIT.notFound, "user nobody-here does not exist", undefined],
      ["a missing --user", () => [], EXIT.usage, "required option '--user <user>' not specified", undefined],
      ["zero minutes", () => ["--user", active.username, "--minutes", "0"], EXIT.invalidInput, "--minutes must be a whole number from 1 to 1440", undefined],
      ["more than a day", () => ["--user", active.username, "--minutes", "1441"], EXIT.invalidInput, "--minutes must be a whole number from 1 to 1440", undefined],
      ["a fractional minute count", () => ["--user", active.username, "--minutes", "1.5"], EXIT.invalidInput, "--minutes must be a whole number", undefined],
      ["a word for minutes", () => ["--user", active.username, "--minutes", "ten"], EXIT.invalidInput, "--minutes must be a whole number", undefined],
      ["a JWT secret shorter than 32 bytes", () => ["--user", active.username], EXIT.config, "JWT_SECRET must be at least 32 bytes long", { JWT_SECRET: "short" }],
    ];

    // A rest parameter: five named parameters would make jest treat a short row's `done` as env.
    it.each(cases)("%s", async (...[, argv, code, message, env]) => {
      const before = await credentialSnapshot(testDb.db);
      const result = await cli(["sessions", "issue", ...argv()], env);
      expect(result.code).toBe(code);
      expect(result.err).toContain(message);
      expect(result.err).not.toContain("unexpected error");
      expect(result.out).toBe("");
      expect(await credentialSnapshot(testDb.db)).toEqual(before);
    });
  });
});

describe("sessions list", () => {
  it("shows live sessions, all of them with --all, with their status; never a JWT", async () => {
    const alice = await insertUser(testDb.db);
    const bob = await insertUser(testDb.db);
    const live = await issued(alice);
    const revoked = await issued(alice);
    expect((await cli(["sessions", "revoke", revoked.identifier])).code).toBe(0);
    const expired = await insertSessionRow(testDb.db, { userId: alice.id, expiresAt: new Date(NOW.getTime() - MINUTE) });
    const theirs = await issued(bob);
    const { jwt: _live, ...liveView } = live;

    expect(await cli.json(["sessions", "list", "--user", alice.username, "--json"])).toEqual([liveView]);

    const all = await cli.json(["sessions", "list", "--user", alice.id, "--all", "--json"]);
    const statuses = Object.fromEntries(all.map((s: { identifier: string; status: string }) => [s.identifier, s.status]));
    expect(statuses).toEqual({ [live.identifier]: "active", [revoked.identifier]: "revoked", [expired.identifier]: "expired" });
    const created = all.map((s: { created: string }) => s.created);
    expect(created).toEqual([...created].sort().reverse()); // newest first

    const everyone = await cli.json(["sessions", "list", "--json"]);
    const ids = everyone.map((s: { identifier: string }) => s.identifier);
    expect(ids).toEqual(expect.arrayContaining([live.identifier, theirs.identifier]));
    expect(ids).not.toContain(revoked.identifier);
    expect(ids).not.toContain(expired.identifier);

    const table = await cli(["sessions", "list", "--user", alice.username]);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^IDENTIFIER \(jti\)\s+USER\s+STATUS\s+CREATED\s+EXPIRES$/);
    const at = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");
    expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${live.identifier}\\s+${alice.username}\\s+active\\s+${at(live.created)}\\s+${at(live.expiresAt)}$`))]);

    const outputs = [table.out, JSON.stringify(all), JSON.stringify(everyone)];
    for (const output of outputs) for (const s of [live, revoked, theirs]) expect(output).not.toContain(s.jwt);
  });

  it("'live' is judged by the command's clock: a lapsed session is hidden, and shown as expired with --all", async () => {
    const user = await insertUser(testDb.db);
    const session = await issued(user);
    const later = cliAt(new Date(NOW.getTime() + 60 * MINUTE));
    expect(await later.json(["sessions", "list", "--user", user.username, "--json"])).toEqual([]);
    const all = await later.json(["sessions", "list", "--user", user.username, "--all", "--json"]);
    expect(all.map((s: { identifier: string; status: string }) => [s.identifier, s.status])).toEqual([[session.identifier, "expired"]]);

    // The other way round: a session issued by a clock a day behind has, by the wall clock, long
    // expired, yet at that clock it is live (and so is the one issued at NOW), newest first.
    const earlier = new Date(NOW.getTime() - 24 * 60 * MINUTE);
    const early = await issued(user, [], cliAt(earlier));
    expect(early).toMatchObject({ created: earlier.toISOString(), expiresAt: new Date(earlier.getTime() + 15 * MINUTE).toISOString() });
    const atIssue = await cliAt(earlier).json(["sessions", "list", "--user", user.username, "--json"]);
    expect(atIssue.map((s: { identifier: string; status: string }) => [s.identifier, s.status])).toEqual([
      [session.identifier, "active"],
      [early.identifier, "active"],
    ]);
  });

  it("an unknown --user is not found; a user without sessions lists none", async () => {
    expect(await cli(["sessions", "list", "--user", "not-a-user"])).toEqual({ code: EXIT.notFound, out: "", err: "token-sidecar: user not-a-user does not exist\n" });
    const empty = await insertUser(testDb.db);
    expect(await cli(["sessions", "list", "--user", empty.username])).toEqual({ code: 0, out: "(none)\n", err: "" });
  });
});

describe("sessions revoke", () => {
  it("by jti: revoked_at set once, the webhook refuses the JWT though its signature is fine; again is a conflict", async () => {
    const user = await insertUser(testDb.db);
    const session = await issued(user);
    const before = (await sessionRow(session.identifier))!;
    const result = await cli(["sessions", "revoke", session.identifier]);
    expect(result).toEqual({ code: 0, out: `session ${session.identifier} revoked\n`, err: "" });
    expect(await sessionRow(session.identifier)).toEqual({ ...before, revoked_at: NOW.toISOString(), revoked_by_id: null });
    await expect(jwtVerify(session.jwt, KEY, { audience: "Ghostwriter", currentDate: NOW })).resolves.toBeDefined();
    expect(await webhookVerdict(session.jwt)).toBe("session_invalid");

    const snapshot = await credentialSnapshot(testDb.db);
    const later = cliAt(new Date(NOW.getTime() + MINUTE));
    expect(await later(["sessions", "revoke", session.identifier])).toEqual({ code: EXIT.conflict, out: "", err: `token-sidecar: session ${session.identifier} is already revoked\n` });
    expect(await credentialSnapshot(testDb.db)).toEqual(snapshot);
  });

  it("--json shows the revoked session; --by records who revoked it; the jti may be upper case", async () => {
    const user = await insertUser(testDb.db);
    const admin = await insertUser(testDb.db, { role: "admin" });
    const session = await issued(user);
    const result = await cli(["sessions", "revoke", session.identifier.toUpperCase(), "--by", admin.username, "--json"]);
    expect(result.code).toBe(0);
    const { jwt, ...view } = session;
    expect(JSON.parse(result.out)).toEqual({ ...view, status: "revoked", revokedAt: NOW.toISOString() });
    expect(result.out).not.toContain(jwt);
    expect(await sessionRow(session.identifier)).toMatchObject({ revoked_at: NOW.toISOString(), revoked_by_id: admin.id });
  });

  it.each([
    ["a word", () => "not-a-session", EXIT.invalidInput, 'session identifier "not-a-session" is not a UUID (the JWT\'s jti)'],
    ["a number", () => "12345", EXIT.invalidInput, 'session identifier "12345" is not a UUID (the JWT\'s jti)'],
    ["a UUID with extra text", () => `${randomUUID()}x`, EXIT.invalidInput, "is not a UUID (the JWT's jti)"],
    ["a JWT instead of its jti", () => "eyJhbGciOiJIUzI1NiJ9.e30.sig", EXIT.invalidInput, "is not a UUID (the JWT's jti)"],
    ["an unknown UUID", () => "00000000-0000-4000-8000-000000000000", EXIT.notFound, "session 00000000-0000-4000-8000-000000000000 does not exist"],
  ] as [string, () => string, number, string][])("refuses %s and changes nothing", async (_label, identifier, code, message) => {
    const user = await insertUser(testDb.db);
    await issued(user);
    const before = await credentialSnapshot(testDb.db);
    const result = await cli(["sessions", "revoke", identifier()]);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(result.out).toBe("");
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });

  it.each([
    ["neither a jti nor --user", () => [], EXIT.invalidInput, "give a session identifier (the JWT's jti) or --user"],
    ["both a jti and --user", () => [randomUUID(), "--user", "someone"], EXIT.invalidInput, "give a session identifier or --user, not both"],
    ["an unknown session with an unknown --by", () => [randomUUID(), "--by", "nobody-at-all"], EXIT.notFound, "does not exist"],
    ["an unknown option", () => [randomUUID(), "--everything"], EXIT.usage, "unknown option '--everything'"],
  ])("refuses %s and changes nothing", async (_label, extra, code, message) => {
    const before = await credentialSnapshot(testDb.db);
    const result = await cli(["sessions", "revoke", ...extra()]);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(result.out).toBe("");
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });

  it("an unknown --by on a real session is not found, and leaves the session live", async () => {
    const user = await insertUser(testDb.db);
    const session = await issued(user);
    const before = await credentialSnapshot(testDb.db);
    expect(await cli(["sessions", "revoke", session.identifier, "--by", "nobody-at-all"])).toEqual({ code: EXIT.notFound, out: "", err: "token-sidecar: user nobody-at-all does not exist\n" });
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
    expect(typeof (await webhookVerdict(session.jwt))).toBe("object");
  });

  it("--user revokes every live session of that user, and nothing else", async () => {
    const alice = await insertUser(testDb.db);
    const bob = await insertUser(testDb.db);
    const admin = await insertUser(testDb.db, { role: "admin" });
    const one = await issued(alice);
    const two = await issued(alice, ["--minutes", "90"]);
    const earlierRevoked = await insertSessionRow(testDb.db, { userId: alice.id, revokedAt: new Date(NOW.getTime() - 5 * MINUTE) });
    const lapsed = await insertSessionRow(testDb.db, { userId: alice.id, expiresAt: new Date(NOW.getTime() - MINUTE) });
    const bobs = await issued(bob);
    const untouched = [earlierRevoked.identifier, lapsed.identifier, bobs.identifier];
    const rowsBefore = await Promise.all(untouched.map(sessionRow));

    const result = await cli(["sessions", "revoke", "--user", alice.username, "--by", admin.id]);
    expect(result).toEqual({ code: 0, out: "revoked 2 session(s)\n", err: "" });
    for (const s of [one, two]) {
      expect(await sessionRow(s.identifier)).toMatchObject({ revoked_at: NOW.toISOString(), revoked_by_id: admin.id });
      expect(await webhookVerdict(s.jwt)).toBe("session_invalid");
    }
    expect(await Promise.all(untouched.map(sessionRow))).toEqual(rowsBefore);
    expect(typeof (await webhookVerdict(bobs.jwt))).toBe("object");

    // Nothing live is left: a second sweep revokes nothing and changes nothing.
    const snapshot = await credentialSnapshot(testDb.db);
    expect(await cli.json(["sessions", "revoke", "--user", alice.id, "--json"])).toEqual({ revoked: 0 });
    expect(await credentialSnapshot(testDb.db)).toEqual(snapshot);
  });

  it("--user works for a deactivated user (whose sessions already fail) and refuses an unknown one", async () => {
    const user = await insertUser(testDb.db);
    const session = await issued(user);
    await setUserActive(testDb.db, user.id, false);
    expect(await webhookVerdict(session.jwt)).toBe("user_inactive");
    expect(await cli.json(["sessions", "revoke", "--user", user.username, "--json"])).toEqual({ revoked: 1 });
    expect(await webhookVerdict(session.jwt)).toBe("session_invalid");

    const before = await credentialSnapshot(testDb.db);
    expect(await cli(["sessions", "revoke", "--user", "no-such-user"])).toEqual({ code: EXIT.notFound, out: "", err: "token-sidecar: user no-such-user does not exist\n" });
    expect(await credentialSnapshot(testDb.db)).toEqual(before);
  });
});

describe("sessions clear-expired", () => {
  it("deletes exactly the sessions whose expires_at is before now, revoked or not; keeps the rest", async () => {
    const user = await insertUser(testDb.db);
    const live = await issued(user);
    const liveRevoked = await insertSessionRow(testDb.db, { userId: user.id, revokedAt: new Date(NOW.getTime() - MINUTE) });
    const boundary = await insertSessionRow(testDb.db, { userId: user.id, expiresAt: NOW }); // expires_at < now is false: kept
    const lapsed = await insertSessionRow(testDb.db, { userId: user.id, expiresAt: new Date(NOW.getTime() - 1) });
    const lapsedRevoked = await insertSessionRow(testDb.db, { userId: user.id, expiresAt: new Date(NOW.getTime() - 60 * MINUTE), revokedAt: new Date(NOW.getTime() - 90 * MINUTE) });

    // Other tests' sessions share this database: the expectation is computed over all of them.
    const { rows } = await sql<{ identifier: string; expired: boolean }>`
      SELECT identifier::text AS identifier, expires_at < ${NOW} AS expired FROM api_usersession`.execute(testDb.db);
    const doomed = rows.filter((r) => r.expired).map((r) => r.identifier);
    expect(doomed).toEqual(expect.arrayContaining([lapsed.identifier, lapsedRevoked.identifier]));
    const before = await credentialSnapshot(testDb.db);

    const result = await cli(["sessions", "clear-expired"]);
    expect(result).toEqual({ code: 0, out: `deleted ${doomed.length} expired session(s)\n`, err: "" });

    const after = await credentialSnapshot(testDb.db);
    expect(after.api_usersession).toEqual(before.api_usersession!.filter((row) => !doomed.includes(JSON.parse(row).identifier)));
    for (const kept of [live.identifier, liveRevoked.identifier, boundary.identifier]) expect(await sessionRow(kept)).toBeDefined();
    for (const gone of [lapsed.identifier, lapsedRevoked.identifier]) expect(await sessionRow(gone)).toBeUndefined();
    const { api_usersession: _before, ...otherBefore } = before;
    const { api_usersession: _after, ...otherAfter } = after;
    expect(otherAfter).toEqual(otherBefore);
    expect(typeof (await webhookVerdict(live.jwt))).toBe("object");

    expect(await cli.json(["sessions", "clear-expired", "--json"])).toEqual({ deleted: 0 });
    expect(await credentialSnapshot(testDb.db)).toEqual(after);
  });

  it("judges expiry by the command's clock", async () => {
    const user = await insertUser(testDb.db);
    const session = await issued(user);
    const later = cliAt(new Date(NOW.getTime() + 16 * MINUTE));
    const result = await later.json(["sessions", "clear-expired", "--json"]);
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(await sessionRow(session.identifier)).toBeUndefined();
  });
});

describe("the running webhook agrees (no answer cache, so every request is checked afresh)", () => {
  it("accepts an issued login JWT as its user, and refuses it once its session is revoked", async () => {
    const sidecar = await startTestSidecar(testDb.handle, { AUTH_CACHE_MAX_ENTRIES: "0" });
    try {
      const user = await insertUser(testDb.db);
      const ask = async (jwt: string) => {
        const res = await hasuraAsks(sidecar.app, "GET", clientHeaders(`Bearer ${jwt}`));
        return { status: res.status, role: res.body["X-Hasura-Role"], userId: res.body["X-Hasura-User-Id"] };
      };
      const byJti = await issued(user);
      const byUser = await issued(user);
      expect(await ask(byJti.jwt)).toEqual({ status: 200, role: "user", userId: user.id });
      expect(await ask(byUser.jwt)).toEqual({ status: 200, role: "user", userId: user.id });

      expect((await cli(["sessions", "revoke", byJti.identifier])).code).toBe(0);
      expect((await ask(byJti.jwt)).status).toBe(401);
      expect((await ask(byUser.jwt)).status).toBe(200);

      expect((await cli(["sessions", "revoke", "--user", user.username])).code).toBe(0);
      expect((await ask(byUser.jwt)).status).toBe(401);
    } finally {
      await sidecar.stop();
    }
  });
});
