// Configuration: every environment variable the sidecar reads is declared once in SETTINGS (name,
// default, whether it is a secret, what it does). loadConfig() parses them all into one frozen,
// typed object and reports every problem at once. docs/operations.md is checked against SETTINGS.

import { ConfigError } from "./errors";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Argon2Parameters {
  readonly memoryCost: number; // KiB
  readonly timeCost: number;
  readonly parallelism: number;
}

export interface Config {
  /** Absent: the embedded PGlite database in `embeddedDataDir`. */
  readonly databaseUrl: string | undefined;
  readonly embeddedDataDir: string;
  readonly databasePoolMax: number;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly jwt: { readonly accept: boolean; readonly secret: string | undefined; readonly audience: string };
  readonly anonymous: { readonly allowed: boolean; readonly role: string };
  readonly cache: { readonly maxAgeSeconds: number; readonly maxEntries: number };
  readonly hashing: {
    readonly concurrency: number;
    readonly queueLimit: number;
    readonly newHashParameters: Argon2Parameters;
  };
  readonly failureLimit: {
    readonly perPrefix: number;
    readonly perClient: number;
    readonly windowSeconds: number;
    readonly trustedClientIpHeader: string | undefined;
  };
  readonly tokenMaxLifetimeDays: number;
  readonly lastUsedFlushSeconds: number;
  readonly listenerHeartbeatSeconds: number;
  readonly shutdownTimeoutSeconds: number;
}

export interface SettingSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** As documented; undefined means "no default". */
  readonly default: string | undefined;
  readonly secret: boolean;
  readonly description: string;
}

// Argon2id parameters for hashes the sidecar writes. Measured in bench/hash-cost.ts on this class of
// machine: m=19456 KiB, t=2, p=1 (OWASP's recommendation) verifies in ~13 ms with 19 MiB, against
// ~100 MiB and several times the time for Django's m=102400,t=2,p=8. Django verifies either.
const DEFAULT_ARGON2: Argon2Parameters = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const SETTINGS: readonly SettingSpec[] = [
  { name: "DATABASE_URL", default: undefined, secret: true, description: "PostgreSQL connection string. Unset: the embedded PGlite database in EMBEDDED_DATA_DIR." },
  { name: "EMBEDDED_DATA_DIR", default: "./.data", secret: false, description: "Directory of the embedded PGlite database (used only when DATABASE_URL is unset)." },
  { name: "DATABASE_POOL_MAX", default: "10", secret: false, description: "Maximum PostgreSQL connections per process, plus one for the change listener." },
  { name: "HOST", default: "0.0.0.0", secret: false, description: "Address the webhook listens on." },
  { name: "PORT", default: "8080", secret: false, description: "Port the webhook listens on." },
  { name: "LOG_LEVEL", default: "info", secret: false, description: "pino level: fatal, error, warn, info, debug, trace or silent." },
  { name: "JWT_SECRET", aliases: ["DJANGO_JWT_SECRET_KEY"], default: undefined, secret: true, description: "HS256 key of Ghostwriter's login and collab JWTs (Ghostwriter's DJANGO_JWT_SECRET_KEY). Required when ACCEPT_JWT is true and DATABASE_URL is set." },
  { name: "JWT_AUDIENCE", default: "Ghostwriter", secret: false, description: "Required `aud` claim of JWTs." },
  { name: "ACCEPT_JWT", default: "true", secret: false, description: "Accept login and collab JWTs. false: every JWT gets 401." },
  { name: "ANONYMOUS_ACCESS", default: "true", secret: false, description: "Answer requests without a bearer credential with the anonymous role. false: 401." },
  { name: "ANONYMOUS_ROLE", default: "public", secret: false, description: "Role given to requests without a bearer credential." },
  { name: "AUTH_CACHE_MAX_AGE_SECONDS", default: "60", secret: false, description: "Ceiling on how long a verified answer is cached, and on the max-age sent to Hasura for websocket expiry. 0: no answer caching (max-age then follows only the credential's own expiry)." },
  { name: "AUTH_CACHE_MAX_ENTRIES", default: "10000", secret: false, description: "Most answers kept in memory; the least recently used are evicted. 0 turns off all reuse (every request verified from scratch, hash included, as Ghostwriter does)." },
  { name: "HASH_CONCURRENCY", default: "2", secret: false, description: "Hash verifications run at once (each Argon2id verification at Django's parameters needs ~100 MiB)." },
  { name: "HASH_QUEUE_LIMIT", default: "32", secret: false, description: "Verifications allowed to wait; beyond it the webhook answers 503." },
  { name: "ARGON2_MEMORY_KIB", default: String(DEFAULT_ARGON2.memoryCost), secret: false, description: "Argon2id memory cost (KiB) of hashes the sidecar writes." },
  { name: "ARGON2_TIME_COST", default: String(DEFAULT_ARGON2.timeCost), secret: false, description: "Argon2id iterations of hashes the sidecar writes." },
  { name: "ARGON2_PARALLELISM", default: String(DEFAULT_ARGON2.parallelism), secret: false, description: "Argon2id lanes of hashes the sidecar writes." },
  { name: "AUTH_FAILURE_LIMIT", default: "10", secret: false, description: "Failed secret checks allowed per token prefix per window; beyond it that prefix gets 401 without hash work (cached holders are unaffected)." },
  { name: "AUTH_CLIENT_FAILURE_LIMIT", default: "30", secret: false, description: "Failed credential checks allowed per client address per window (only with TRUSTED_CLIENT_IP_HEADER)." },
  { name: "AUTH_FAILURE_WINDOW_SECONDS", default: "60", secret: false, description: "Window of the two failure limits." },
  { name: "TRUSTED_CLIENT_IP_HEADER", default: undefined, secret: false, description: "Header set by your proxy in front of Hasura that carries the client address (e.g. X-Real-IP; of a list such as X-Forwarded-For the last entry, the one your proxy appended, counts). Unset: no per-client limit." },
  { name: "TOKEN_MAX_LIFETIME_DAYS", default: "365", secret: false, description: "Longest expiry the CLI accepts for new tokens and expiry changes." },
  { name: "LAST_USED_FLUSH_SECONDS", default: "10", secret: false, description: "How often recorded uses are written to last_used_at (also flushed at shutdown)." },
  { name: "LISTENER_HEARTBEAT_SECONDS", default: "2", secret: false, description: "How often the change listener proves it still receives notifications (a NOTIFY sent through the pool must arrive within the same time, else the cache turns off and the listener reconnects). 0: no heartbeat." },
  { name: "SHUTDOWN_TIMEOUT_SECONDS", default: "10", secret: false, description: "How long SIGTERM waits for in-flight requests before closing." },
];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `serve` refuses to start without the JWT secret when JWTs are accepted against a real database
 * (the embedded demo makes its own); CLI commands only need it to sign sessions.
 */
export function loadConfig(env: Env = process.env, options: { purpose: "serve" | "cli" } = { purpose: "serve" }): Config {
  const reader = new SettingReader(env);
  const databaseUrl = reader.optionalString("DATABASE_URL");
  const jwtAccept = reader.boolean("ACCEPT_JWT");
  const jwtSecret = reader.optionalString("JWT_SECRET");
  if (options.purpose === "serve" && jwtAccept && jwtSecret === undefined && databaseUrl !== undefined) {
    reader.problem("JWT_SECRET (or DJANGO_JWT_SECRET_KEY) is required when ACCEPT_JWT is true; set it to Ghostwriter's DJANGO_JWT_SECRET_KEY, or set ACCEPT_JWT=false");
  }
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    reader.problem("JWT_SECRET must be at least 32 bytes long (HS256)");
  }
  const config: Config = {
    databaseUrl,
    embeddedDataDir: reader.string("EMBEDDED_DATA_DIR"),
    databasePoolMax: reader.integer("DATABASE_POOL_MAX", 1, 1000),
    host: reader.string("HOST"),
    port: reader.integer("PORT", 0, 65535),
    logLevel: reader.oneOf("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const),
    jwt: { accept: jwtAccept, secret: jwtSecret, audience: reader.string("JWT_AUDIENCE") },
    anonymous: { allowed: reader.boolean("ANONYMOUS_ACCESS"), role: reader.roleName("ANONYMOUS_ROLE") },
    cache: {
      maxAgeSeconds: reader.integer("AUTH_CACHE_MAX_AGE_SECONDS", 0, 86400),
      maxEntries: reader.integer("AUTH_CACHE_MAX_ENTRIES", 0, 10_000_000),
    },
    hashing: {
      concurrency: reader.integer("HASH_CONCURRENCY", 1, 64),
      queueLimit: reader.integer("HASH_QUEUE_LIMIT", 0, 100_000),
      newHashParameters: {
        memoryCost: reader.integer("ARGON2_MEMORY_KIB", 8192, 4_194_304),
        timeCost: reader.integer("ARGON2_TIME_COST", 1, 100),
        parallelism: reader.integer("ARGON2_PARALLELISM", 1, 64),
      },
    },
    failureLimit: {
      perPrefix: reader.integer("AUTH_FAILURE_LIMIT", 1, 1_000_000),
      perClient: reader.integer("AUTH_CLIENT_FAILURE_LIMIT", 1, 1_000_000),
      windowSeconds: reader.integer("AUTH_FAILURE_WINDOW_SECONDS", 1, 86400),
      trustedClientIpHeader: reader.optionalString("TRUSTED_CLIENT_IP_HEADER")?.toLowerCase(),
    },
    tokenMaxLifetimeDays: reader.integer("TOKEN_MAX_LIFETIME_DAYS", 1, 36500),
    lastUsedFlushSeconds: reader.integer("LAST_USED_FLUSH_SECONDS", 1, 3600),
    listenerHeartbeatSeconds: reader.integer("LISTENER_HEARTBEAT_SECONDS", 0, 3600),
    shutdownTimeoutSeconds: reader.integer("SHUTDOWN_TIMEOUT_SECONDS", 0, 3600),
  };
  reader.throwIfProblems();
  return deepFreeze(config);
}

/** Reads settings by name (falling back to aliases, then the documented default), collecting problems. */
class SettingReader {
  private readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const spec = SETTINGS.find((s) => s.name === name);
    if (!spec) throw new Error(`setting ${name} is not declared in SETTINGS`);
    for (const key of [spec.name, ...(spec.aliases ?? [])]) {
      const value = this.env[key];
      if (value !== undefined && value.trim() !== "") return value.trim();
    }
    return spec.default;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  string(name: string): string {
    return this.raw(name) ?? "";
  }

  integer(name: string, min: number, max: number): number {
    const value = this.raw(name) ?? "";
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problem(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
      return min;
    }
    return Number(value);
  }

  boolean(name: string): boolean {
    const value = (this.raw(name) ?? "").toLowerCase();
    if (["true", "1", "yes", "on"].includes(value)) return true;
    if (["false", "0", "no", "off"].includes(value)) return false;
    this.problem(`${name} must be true or false (got "${value}")`);
    return false;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.raw(name) ?? "";
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(`${name} must be one of ${allowed.join(", ")} (got "${value}")`);
    return allowed[0] as T;
  }

  roleName(name: string): string {
    const value = this.raw(name) ?? "";
    // Hasura role names are plain identifiers; refusing "admin" keeps anonymous callers from ever
    // being given full access through a typo.
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(value) || value === "admin") {
      this.problem(`${name} must be a Hasura role name other than admin (got "${value}")`);
    }
    return value;
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
