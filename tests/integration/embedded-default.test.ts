// The embedded default starting from nothing: no DATABASE_URL, an empty directory. The CLI's first
// command creates ./.data, applies the reference schema and migrations and seeds the demo; the
// webhook on the same directory answers the token minted there; while one holder has the
// directory open a second open is refused (PGlite corrupts a directory opened twice); and a
// reopen after close keeps everything without seeding again. Always embedded: the environment
// each step sees is built here, never inherited, so an outer DATABASE_URL changes nothing.
// PGlite takes seconds per open, so the steps share one directory and run in order.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { sql } from "kysely";
import { EXIT } from "../../cli/exit-codes";
import { openDatabase } from "../../webhook/db/connection";
import { prepareEmbeddedDatabase } from "../../webhook/db/embedded";
import { EmbeddedDatabaseBusyError } from "../../webhook/errors";
import { startServer, type RunningServer } from "../../webhook/main";
import { cliRunner, type CliRunner } from "../support/cli";

const SLOW = 120_000;

let dir: string;
let dataDir: string;
let cli: CliRunner;
let server: RunningServer | undefined;
let minted: { id: string; token: string; principal: { id: string; name: string } };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hts-embedded-"));
  dataDir = path.join(dir, ".data");
  // EMBEDDED_DATA_DIR unset: the documented default, ./.data under the command's cwd.
  cli = cliRunner(undefined, { env: { DATABASE_URL: undefined, EMBEDDED_DATA_DIR: undefined }, cwd: dir });
});

afterAll(async () => {
  await server?.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts the webhook in-process on the data directory, named absolutely this time; returns its log lines. */
async function start(): Promise<string[]> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  server = await startServer({
    env: { EMBEDDED_DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ARGON2_MEMORY_KIB: "8192", ARGON2_TIME_COST: "1" },
    cwd: os.tmpdir(),
    logDestination: sink,
  });
  return logs;
}

async function stop(): Promise<void> {
  await server?.shutdown();
  server = undefined;
}

function auth(bearer?: string): Promise<{ status: number; body: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const headers = bearer ? { Authorization: `Bearer ${bearer}` } : {};
    const req = http.get({ host: "127.0.0.1", port: server?.port, path: "/auth", headers, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    req.on("error", reject);
  });
}

/** The start-up line saying whether this open seeded the demo. */
function seededFlag(logs: string[]): boolean | undefined {
  const line = logs.map((l) => JSON.parse(l) as { dataDir?: string; seeded?: boolean }).find((l) => l.dataDir !== undefined);
  return line?.seeded;
}

function serviceAnswer(): Record<string, string> {
  return {
    "X-Hasura-Role": "service",
    "X-Hasura-User-Name": minted.principal.name,
    "X-Hasura-Service-Principal-Id": minted.principal.id,
    "X-Hasura-Service-Token-Id": minted.id,
    "X-Hasura-Read-Oplog-Id": "1",
    "X-Hasura-Create-OplogEntry-Oplog-Id": "1",
    "X-Hasura-Update-OplogEntry-Oplog-Id": "1",
    "X-Hasura-Delete-OplogEntry-Oplog-Id": "1",
    "X-Hasura-Principal-Type": "service",
    "X-Hasura-Service-Token-Preset": "oplog_rw",
  };
}

it("the CLI's first command creates ./.data with the schema and the demo, and mints a token for demo on oplog 1", async () => {
  expect(fs.existsSync(dataDir)).toBe(false);
  minted = await cli.json(["tokens", "create", "--creator", "demo", "--name", "ci", "--expires", "30d", "--new-principal", "demo-bot", "--oplog", "1", "--json"]);
  expect(minted).toMatchObject({ creator: "demo", scope: "Oplog #1 (R/W)", preset: "oplog_rw", status: "active" });
  expect(minted.token).toMatch(/^gwst_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  expect(fs.existsSync(path.join(dataDir, "PG_VERSION"))).toBe(true);
  // Closed at the end of the command: nothing holds the directory.
  expect(fs.existsSync(path.join(dataDir, "sidecar.pid"))).toBe(false);
}, SLOW);

it("the webhook on the same directory answers that token with the service variables, and anonymous with public", async () => {
  const logs = await start();
  // The CLI already seeded; this open only migrates (nothing to do) and checks.
  expect(seededFlag(logs)).toBe(false);
  const answer = await auth(minted.token);
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ...serviceAnswer(), "Cache-Control": "max-age=60" });
  expect(await auth()).toEqual({ status: 200, body: { "X-Hasura-Role": "public", "X-Hasura-User-Id": "-1", "X-Hasura-User-Name": "anonymous" } });
  // No JWT_SECRET on the embedded demo: it keeps its own, in the data directory.
  expect(fs.existsSync(path.join(dataDir, "jwt-secret"))).toBe(true);
}, SLOW);

it("while the webhook has it open, a second open is refused as in use (exit 69), and the webhook keeps working", async () => {
  const second = await cli(["tokens", "list"]);
  expect(second.code).toBe(EXIT.unavailable);
  expect(second.err).toMatch(/^token-sidecar: the embedded database in .* is in use/);
  expect(second.out).toBe("");
  await expect(openDatabase({ databaseUrl: undefined, embeddedDataDir: dataDir })).rejects.toThrow(EmbeddedDatabaseBusyError);
  expect((await auth(minted.token)).status).toBe(200);
}, SLOW);

it("a directory another live process holds is refused too, naming that process", async () => {
  const lockFile = path.join(dataDir, "sidecar.pid");
  const foreign = process.ppid; // jest's parent process: alive, and not this one
  await stop();
  // A clean close leaves no pid file behind.
  expect(fs.existsSync(lockFile)).toBe(false);
  fs.writeFileSync(lockFile, String(foreign));
  try {
    const refused = await cli(["tokens", "list"]);
    expect(refused.code).toBe(EXIT.unavailable);
    expect(refused.err).toContain(`is in use by process ${foreign}`);
    await expect(start()).rejects.toThrow(EmbeddedDatabaseBusyError);
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}, SLOW);

it("after close (above), a reopen keeps the data: the token still works and the demo is not seeded again", async () => {
  const secret = fs.readFileSync(path.join(dataDir, "jwt-secret"), "utf8");
  const logs = await start();
  expect(seededFlag(logs)).toBe(false);
  expect(await auth(minted.token)).toEqual({ status: 200, body: { ...serviceAnswer(), "Cache-Control": "max-age=60" } });
  expect(fs.readFileSync(path.join(dataDir, "jwt-secret"), "utf8")).toBe(secret);
  await stop();

  // A pid file left by a process that died is taken over, not honoured.
  fs.writeFileSync(path.join(dataDir, "sidecar.pid"), String(spawnSync(process.execPath, ["-e", ""]).pid));
  // The rows themselves: one demo user, one client, two projects, one oplog, still.
  const handle = await openDatabase({ databaseUrl: undefined, embeddedDataDir: dataDir });
  try {
    expect(await prepareEmbeddedDatabase(handle.db)).toEqual({ seeded: false });
    const { rows } = await sql<Record<string, string>>`
      SELECT (SELECT count(*) FROM users_user WHERE username = 'demo')::text AS demo, (SELECT count(*) FROM users_user)::text AS users,
             (SELECT count(*) FROM rolodex_client)::text AS clients, (SELECT count(*) FROM rolodex_project)::text AS projects,
             (SELECT count(*) FROM oplog_oplog)::text AS oplogs, (SELECT count(*) FROM api_servicetoken)::text AS tokens`.execute(handle.db);
    expect(rows[0]).toEqual({ demo: "1", users: "1", clients: "1", projects: "2", oplogs: "1", tokens: "1" });
  } finally {
    await handle.close();
  }
}, SLOW);
