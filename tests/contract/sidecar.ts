// Runs the real sidecar (createSidecar: cache, change listener, hash verifier, usage recorder)
// over a test database, capturing every log line so tests can check what is and is not logged.

import { Writable } from "node:stream";
import { loadConfig } from "../../webhook/config";
import type { DatabaseHandle } from "../../webhook/db/connection";
import { HashVerifier } from "../../webhook/credentials/hash-verifier";
import { verifySecret } from "../../webhook/credentials/django-hashers";
import { createLogger } from "../../webhook/logger";
import { createSidecar, type Sidecar } from "../../webhook/service";
import { JWT_SECRET, TEST_ENV } from "./world";

export interface TestSidecar {
  readonly sidecar: Sidecar;
  readonly app: Sidecar["app"];
  readonly logs: string[];
  stop(): Promise<void>;
}

export async function startTestSidecar(
  database: DatabaseHandle,
  env: Record<string, string> = {},
  options: { hashVerifier?: HashVerifier; logs?: string[]; clock?: () => number } = {},
): Promise<TestSidecar> {
  const config = loadConfig({ ...TEST_ENV, LOG_LEVEL: "trace", ...env });
  const logs = options.logs ?? [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const sidecar = createSidecar({ config, database, logger, jwtSecret: JWT_SECRET, hashVerifier: options.hashVerifier, clock: options.clock });
  await sidecar.start();
  return { sidecar, app: sidecar.app, logs, stop: () => sidecar.stop() };
}

/** Polls until `check` passes or `timeoutMs` is over; returns the elapsed milliseconds. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A real hash verifier that counts the verifications it runs (what a flood could buy). */
export function countingHashVerifier(options: { concurrency: number; queueLimit: number }): { verifier: HashVerifier; readonly count: number } {
  let count = 0;
  const verifier = new HashVerifier(options, async (secret, encoded) => {
    count += 1;
    return verifySecret(secret, encoded);
  });
  return {
    verifier,
    get count() {
      return count;
    },
  };
}
