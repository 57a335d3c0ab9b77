// JSON logs (pino). Headers are never logged whole; `authorization` and cookies are redacted
// wherever they appear, and a token is identified only by its public prefix (tokenLabel()).

import pino, { type Logger } from "pino";
import type { LogLevel } from "./config";

export type { Logger } from "pino";

const REDACT = [
  "authorization", "Authorization", "cookie", "Cookie", "*.authorization", "*.Authorization", "*.cookie", "*.Cookie",
  "headers.authorization", "headers.cookie", "*.headers.authorization", "*.headers.cookie", "token", "*.token", "secret", "*.secret",
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: "token-sidecar" }, redact: { paths: REDACT, censor: "[redacted]" }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

/** What a log line may say about a bearer value: the kind and public prefix, nothing secret. */
export function tokenLabel(bearer: string): string {
  const opaque = /^(gwst|gwat)_([0-9a-f]{16})_/.exec(bearer);
  if (opaque) return `${opaque[1]}_${opaque[2]}`;
  if (bearer.startsWith("gwst_") || bearer.startsWith("gwat_")) return `${bearer.slice(0, 4)}_(malformed)`;
  return bearer.split(".").length === 3 ? "jwt" : "(unrecognised)";
}
