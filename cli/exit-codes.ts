// Exit codes of every command (documented in docs/operations.md). Failures keep one code per
// kind, so scripts can tell "you typed it wrong" from "the database is down".

import { CommanderError } from "commander";
import {
  ConfigError,
  ConflictError,
  DatabaseUnavailableError,
  EmbeddedDatabaseBusyError,
  InvalidInputError,
  MigrationError,
  NotFoundError,
} from "../webhook/errors";

export const EXIT = {
  ok: 0,
  /** `metadata check`: the check itself could not run. Also any failure with no better code. */
  failure: 1,
  /** `metadata check`: committed files differ from what the policy generates. */
  drift: 2,
  usage: 64,
  invalidInput: 65,
  notFound: 66,
  conflict: 67,
  unavailable: 69,
  internal: 70,
  migrationFailed: 76,
  config: 78,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof InvalidInputError) return EXIT.invalidInput;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof ConflictError) return EXIT.conflict;
  if (error instanceof ConfigError) return EXIT.config;
  if (error instanceof MigrationError) return EXIT.migrationFailed;
  if (error instanceof DatabaseUnavailableError || error instanceof EmbeddedDatabaseBusyError) return EXIT.unavailable;
  if (isConnectionError(error)) return EXIT.unavailable;
  return EXIT.internal;
}

/** pg's errors when the server cannot be reached (no SQLSTATE, a socket errno instead). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && ["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "57P01", "57P03", "3D000", "28P01", "28000"].includes(code);
}
