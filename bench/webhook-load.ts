// Webhook throughput, latency and memory on this machine: the sidecar (in its own process, as in
// production) answering one service token, against two baselines measured in the same run:
//   - "Ghostwriter-style": the same sidecar with all reuse off (AUTH_CACHE_MAX_ENTRIES=0) and the
//     token hashed at Django's Argon2id parameters — every request pays the ~100 MiB verification,
//     which is what Ghostwriter's Django webhook does;
//   - a bare Express app returning a fixed body (the framework's own ceiling).
// Then the revocation latency: from the UPDATE's commit to the first 401 from a warm sidecar.
// Needs PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a
// scratch database hts_bench is created on that server and dropped afterwards.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { openDatabase } from "../webhook/db/connection";
import { migrateUp } from "../migrations/runner";
import { lifecycleContext } from "../webhook/lifecycle/context";
import { loadConfig } from "../webhook/config";
import { buildWorld, serviceToken } from "../tests/contract/world";
import { percentile, printTable } from "./table";

const ROOT = path.resolve(__dirname, "..", "..");
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const JWT_SECRET = "bench-secret-bench-secret-bench-secret-0123";

interface Scenario {
  name: string;
  command: string[];
  env: Record<string, string>;
  token: "django" | "sidecar" | "none";
  connections: number;
}

export async function runWebhookLoad(): Promise<void> {
  const benchDb = "hts_bench";
  await admin(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${benchDb}`);
  const url = withDatabase(SERVER_URL, benchDb);
  try {
    const handle = await openDatabase({ databaseUrl: url, poolMax: 2 });
    await migrateUp(handle.db, { referenceSchema: true });
    const world = await buildWorld(handle.db);
    const scope = { preset: "oplog_rw" as const, oplogId: world.oplogs.alphaLog };
    const djangoWorld = { ...world, lifecycle: lifecycleContext(handle.db, loadConfig({ ARGON2_MEMORY_KIB: "102400", ARGON2_TIME_COST: "2", ARGON2_PARALLELISM: "8" }, { purpose: "cli" })) };
    const sidecarWorld = { ...world, lifecycle: lifecycleContext(handle.db, loadConfig({}, { purpose: "cli" })) };
    const tokens = {
      django: (await serviceToken(djangoWorld, world.users.alice, scope, { principal: "bench-django" })).token,
      sidecar: (await serviceToken(sidecarWorld, world.users.alice, scope, { principal: "bench-sidecar" })).token,
      none: "",
    };
    const sidecarCommand = [path.join(ROOT, "bin", "token-sidecar.js"), "serve"];
    const baseEnv = { DATABASE_URL: url, JWT_SECRET, HOST: "127.0.0.1", LOG_LEVEL: "fatal", HASH_QUEUE_LIMIT: "100000" };
    const scenarios: Scenario[] = [
      { name: "Ghostwriter-style: no reuse, Django Argon2id per request", command: sidecarCommand, env: { ...baseEnv, AUTH_CACHE_MAX_ENTRIES: "0" }, token: "django", connections: 8 },
      { name: "sidecar cold: no reuse, sidecar Argon2id per request", command: sidecarCommand, env: { ...baseEnv, AUTH_CACHE_MAX_ENTRIES: "0" }, token: "sidecar", connections: 8 },
      { name: "sidecar warm (default): cached answer, Django-hashed token", command: sidecarCommand, env: baseEnv, token: "django", connections: 32 },
      { name: "bare Express, fixed body (framework ceiling)", command: [path.join(ROOT, "dist", "bench", "baseline-server.js")], env: {}, token: "none", connections: 32 },
    ];
    const rows: (string | number)[][] = [];
    let baseline = 0;
    for (const scenario of scenarios) {
      const port = 19000 + rows.length;
      const child = await startChild(scenario.command, { ...scenario.env, PORT: String(port) }, port);
      try {
        const headers = scenario.token === "none" ? {} : { authorization: `Bearer ${tokens[scenario.token]}` };
        await autocannon({ url: `http://127.0.0.1:${port}/auth`, connections: 2, duration: 1, headers }); // warm-up
        const result = await autocannon({ url: `http://127.0.0.1:${port}/auth`, connections: scenario.connections, duration: DURATION, headers });
        const peakRss = peakRssMiB(child.pid as number);
        if (baseline === 0) baseline = result.requests.average;
        rows.push([scenario.name, scenario.connections, result.requests.average, result.latency.p50, result.latency.p99, result.non2xx + result.errors, peakRss, result.requests.average / baseline]);
      } finally {
        await stopChild(child);
      }
    }
    printTable(
      `Webhook load, ${DURATION} s per row, autocannon in this process, server in a child process (ratio = req/s / Ghostwriter-style req/s, same run)`,
      ["scenario", "connections", "req/s", "p50 ms", "p99 ms", "non-2xx", "server peak RSS MiB", "ratio"],
      rows,
    );
    await revocationLatency(url, world);
    await handle.close();
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
  }
}

async function revocationLatency(url: string, world: Awaited<ReturnType<typeof buildWorld>>): Promise<void> {
  const port = 19100;
  const child = await startChild([path.join(ROOT, "bin", "token-sidecar.js"), "serve"], { DATABASE_URL: url, JWT_SECRET, HOST: "127.0.0.1", LOG_LEVEL: "fatal", PORT: String(port) }, port);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const revocations: number[] = [];
  const roundTrips: number[] = [];
  try {
    for (let i = 0; i < 30; i += 1) {
      const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
      const auth = { authorization: `Bearer ${t.token}` };
      if ((await fetch(`http://127.0.0.1:${port}/auth`, { headers: auth })).status !== 200) throw new Error("warm-up failed");
      const started = performance.now();
      await client.query("UPDATE api_servicetoken SET revoked = true WHERE id = $1", [t.id]);
      const committed = performance.now();
      await client.query("SELECT revoked FROM api_servicetoken WHERE id = $1", [t.id]);
      roundTrips.push(performance.now() - committed + (committed - started));
      while ((await fetch(`http://127.0.0.1:${port}/auth`, { headers: auth })).status !== 401) {
        if (performance.now() - started > 5000) throw new Error("revocation never reached the cache");
      }
      revocations.push(performance.now() - started);
    }
  } finally {
    await client.end();
    await stopChild(child);
  }
  const base = percentile(roundTrips, 50);
  printTable(
    "Revocation reaching a warm sidecar (30 tokens; from issuing the UPDATE to the first 401; ratio = p50 / p50 of UPDATE + SELECT round trips)",
    ["measure", "p50 ms", "p95 ms", "max ms", "ratio"],
    [
      ["UPDATE + SELECT round trip (baseline)", base, percentile(roundTrips, 95), Math.max(...roundTrips), 1],
      ["revocation visible at the webhook", percentile(revocations, 50), percentile(revocations, 95), Math.max(...revocations), percentile(revocations, 50) / base],
    ],
  );
}

function startChild(command: string[], env: Record<string, string>, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
    const deadline = Date.now() + 20_000;
    const poll = async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => fetch(`http://127.0.0.1:${port}/auth`));
        if (res.status < 500) {
          child.removeAllListeners("exit");
          resolve(child);
          return;
        }
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) reject(new Error("server did not start"));
      else setTimeout(() => void poll(), 100);
    };
    void poll();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl: string, database: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

if (require.main === module) void runWebhookLoad();
