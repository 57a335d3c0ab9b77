// What the lifecycle commands need, from the CLI or the management API: the database, the hash
// parameters for new secrets, the lifetime limit and a clock (tests pin it).

import type { Kysely } from "kysely";
import type { Argon2Parameters, Config } from "../config";
import type { Database } from "../db/schema";

export interface LifecycleContext {
  readonly db: Kysely<Database>;
  readonly hashParameters: Argon2Parameters;
  readonly maxLifetimeDays: number;
  readonly now: () => Date;
}

export function lifecycleContext(db: Kysely<Database>, config: Config, now: () => Date = () => new Date()): LifecycleContext {
  return { db, hashParameters: config.hashing.newHashParameters, maxLifetimeDays: config.tokenMaxLifetimeDays, now };
}
