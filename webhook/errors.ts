// The error vocabulary of the sidecar. Every expected failure is a SidecarError with a stable
// `code`; callers (the webhook's HTTP mapping, the CLI's exit codes) switch on the class, never on
// message text. Messages are meant for operators; the webhook never shows them to API clients.

export abstract class SidecarError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment or a flag describes an impossible configuration; lists every problem found. */
export class ConfigError extends SidecarError {
  readonly code = "CONFIG_INVALID";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Input that breaks a rule (bad expiry, unknown preset, a grant the creator may not give...). */
export class InvalidInputError extends SidecarError {
  readonly code = "INVALID_INPUT";
}

/** A named principal, token, user, session, oplog or project does not exist (or is not visible). */
export class NotFoundError extends SidecarError {
  readonly code = "NOT_FOUND";
}

/** The request conflicts with the current state (e.g. editing a revoked token). */
export class ConflictError extends SidecarError {
  readonly code = "CONFLICT";
}

/** PostgreSQL could not be reached or failed; never turned into a positive answer. */
export class DatabaseUnavailableError extends SidecarError {
  readonly code = "DATABASE_UNAVAILABLE";
}

/** A migration failed; names the file and carries PostgreSQL's message. */
export class MigrationError extends SidecarError {
  readonly code = "MIGRATION_FAILED";
  constructor(
    readonly migration: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`migration ${migration} failed: ${message}`, options);
  }
}

/** Too much hash work is already queued; the caller should retry later (503, never 200). */
export class OverloadedError extends SidecarError {
  readonly code = "OVERLOADED";
}

/** The embedded database directory is held by another process. */
export class EmbeddedDatabaseBusyError extends SidecarError {
  readonly code = "EMBEDDED_DATABASE_BUSY";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
