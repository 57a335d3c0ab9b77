// Django's password-hash strings, the form Ghostwriter stores secret hashes in:
//   argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>   (Django's default hasher)
//   pbkdf2_sha256$<iterations>$<salt>$<base64 hash>       (and pbkdf2_sha1)
// The sidecar writes Argon2id and verifies all three. Comparisons are constant-time (argon2's own
// verify; timingSafeEqual for PBKDF2), and the work runs on libuv's thread pool, never the event loop.

import { pbkdf2, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import * as argon2 from "@node-rs/argon2";
import type { Argon2Parameters } from "../config";

const pbkdf2Async = promisify(pbkdf2);

const ARGON2_ID = 2; // argon2.Algorithm.Argon2id (a const enum, which swc cannot inline)

export async function hashSecret(secret: string, parameters: Argon2Parameters): Promise<string> {
  const phc = await argon2.hash(secret, {
    algorithm: ARGON2_ID,
    memoryCost: parameters.memoryCost,
    timeCost: parameters.timeCost,
    parallelism: parameters.parallelism,
    outputLen: 32, // Django's Argon2PasswordHasher hash_len
  });
  return `argon2${phc}`;
}

export type HashAlgorithm = "argon2" | "pbkdf2_sha256" | "pbkdf2_sha1";

export function hashAlgorithm(encoded: string): HashAlgorithm | undefined {
  const name = encoded.slice(0, encoded.indexOf("$"));
  return name === "argon2" || name === "pbkdf2_sha256" || name === "pbkdf2_sha1" ? name : undefined;
}

/** True only when `secret` matches; a malformed or unsupported hash string is a mismatch. */
export async function verifySecret(secret: string, encoded: string | null | undefined): Promise<boolean> {
  if (!encoded) return false;
  switch (hashAlgorithm(encoded)) {
    case "argon2":
      return verifyArgon2(secret, encoded.slice("argon2".length));
    case "pbkdf2_sha256":
      return verifyPbkdf2(secret, encoded, "sha256");
    case "pbkdf2_sha1":
      return verifyPbkdf2(secret, encoded, "sha1");
    default:
      return false;
  }
}

async function verifyArgon2(secret: string, phc: string): Promise<boolean> {
  // Django also wrote a version-less form in old releases ($argon2i$m=..., no v=); argon2 reads it as v=16.
  if (!phc.startsWith("$argon2")) return false;
  try {
    return await argon2.verify(phc, secret);
  } catch {
    return false;
  }
}

async function verifyPbkdf2(secret: string, encoded: string, digest: "sha256" | "sha1"): Promise<boolean> {
  const parts = encoded.split("$");
  if (parts.length !== 4) return false;
  const [, iterationsText, salt, expectedBase64] = parts as [string, string, string, string];
  const iterations = Number(iterationsText);
  // A bound on iterations keeps a forged row from pinning a thread for minutes.
  if (!/^\d+$/.test(iterationsText) || iterations < 1 || iterations > 10_000_000 || salt === "") return false;
  const expected = Buffer.from(expectedBase64, "base64");
  if (expected.length === 0) return false;
  const actual = await pbkdf2Async(secret, salt, iterations, expected.length, digest);
  return timingSafeEqual(actual, expected);
}

/** Parameters of an Argon2 hash string, for reports ("this token was hashed by Django at m=102400"). */
export function argon2Parameters(encoded: string): Argon2Parameters | undefined {
  if (hashAlgorithm(encoded) !== "argon2") return undefined;
  try {
    const parsed = argon2.parseOptions(encoded.slice("argon2".length));
    return { memoryCost: parsed.memoryCost, timeCost: parsed.timeCost, parallelism: parsed.parallelism };
  } catch {
    return undefined;
  }
}
