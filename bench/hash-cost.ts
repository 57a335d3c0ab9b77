// What one secret check costs, per hash format: Django's default Argon2id (what Ghostwriter runs on
// every request), the sidecar's default for new hashes, and Django's PBKDF2. The ratio column is
// against Django's Argon2id verify, measured in the same run. This is how ARGON2_* defaults were
// chosen (webhook/config.ts).

import * as argon2 from "@node-rs/argon2";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { hashSecret, verifySecret } from "../webhook/credentials/django-hashers";
import { median, printTable } from "./table";

interface Scheme {
  name: string;
  hash: (secret: string) => Promise<string>;
}

const DJANGO_ARGON2 = { memoryCost: 102400, timeCost: 2, parallelism: 8 };

const schemes: Scheme[] = [
  { name: "Argon2id m=102400 t=2 p=8 (Django default)", hash: (s) => hashSecret(s, DJANGO_ARGON2) },
  { name: "Argon2id m=19456 t=2 p=1 (sidecar default, OWASP)", hash: (s) => hashSecret(s, { memoryCost: 19456, timeCost: 2, parallelism: 1 }) },
  { name: "Argon2id m=65536 t=3 p=4", hash: (s) => hashSecret(s, { memoryCost: 65536, timeCost: 3, parallelism: 4 }) },
  {
    name: "PBKDF2-SHA256 600000 (Django 4.2 default)",
    hash: async (s) => {
      const salt = randomBytes(12).toString("base64url");
      return `pbkdf2_sha256$600000$${salt}$${pbkdf2Sync(s, salt, 600000, 32, "sha256").toString("base64")}`;
    },
  },
];

async function timeMs(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function runHashCost(): Promise<void> {
  const secret = randomBytes(32).toString("base64url");
  const rows: (string | number)[][] = [];
  let baselineVerify = 0;
  for (const scheme of schemes) {
    const hashes: number[] = [];
    let encoded = "";
    for (let i = 0; i < 3; i += 1) hashes.push(await timeMs(async () => (encoded = await scheme.hash(secret))));
    const verifies: number[] = [];
    for (let i = 0; i < 10; i += 1) verifies.push(await timeMs(() => verifySecret(secret, encoded)));
    const concurrent = await timeMs(() => Promise.all(Array.from({ length: 4 }, () => verifySecret(secret, encoded))));
    const verifyMedian = median(verifies);
    if (baselineVerify === 0) baselineVerify = verifyMedian;
    const params = encoded.startsWith("argon2") ? argon2.parseOptions(encoded.slice(6)) : undefined;
    rows.push([
      scheme.name,
      median(hashes),
      verifyMedian,
      concurrent,
      params ? params.memoryCost / 1024 : 0,
      verifyMedian / baselineVerify,
    ]);
  }
  printTable(
    "Secret check cost (one process, 2 cores; ratio = verify time / Django Argon2id verify time, same run)",
    ["scheme", "hash ms", "verify ms (median)", "4 concurrent verifies ms", "memory per verify MiB", "ratio"],
    rows,
  );
}

if (require.main === module) void runHashCost();
