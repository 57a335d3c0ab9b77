// Expiry rules for new tokens and expiry changes: required, in the future, and no further out
// than the configured maximum lifetime (Ghostwriter 7.2.1's "Maximum Token Lifetime", 365 days).
// Accepted forms: an ISO 8601 date-time (UTC unless it names an offset), a date (end of that day,
// UTC), or a duration from now such as 30d, 12h, 90m.

import { InvalidInputError } from "../errors";

const DURATION = /^(\d+)\s*(m|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_DATE_MS = 8.64e15;

export function parseExpiry(input: string | undefined, options: { now: Date; maxLifetimeDays: number }): Date {
  if (input === undefined || input.trim() === "") {
    throw new InvalidInputError("an expiry is required (e.g. --expires 30d or --expires 2027-01-31T17:00:00Z)");
  }
  const text = input.trim();
  const expiry = parseExpiryText(text, options.now);
  if (!expiry) {
    throw new InvalidInputError(`expiry "${text}" is not a date-time (2027-01-31T17:00:00Z), a date (2027-01-31) or a duration (30d, 12h, 90m)`);
  }
  if (expiry.getTime() <= options.now.getTime()) throw new InvalidInputError("The token expiration date cannot be in the past");
  const latest = options.now.getTime() + options.maxLifetimeDays * UNIT_MS.d!;
  if (expiry.getTime() > latest) {
    throw new InvalidInputError(`the expiry is more than ${options.maxLifetimeDays} days away (TOKEN_MAX_LIFETIME_DAYS)`);
  }
  return expiry;
}

function parseExpiryText(text: string, now: Date): Date | undefined {
  const duration = DURATION.exec(text);
  if (duration) {
    const amount = Number(duration[1]);
    if (!(amount > 0)) return undefined;
    // A duration past the last representable Date would be an Invalid Date, which slips through
    // every comparison; clamp it so the lifetime check rejects it as too far away.
    const at = now.getTime() + amount * UNIT_MS[(duration[2] as string).toLowerCase()]!;
    return new Date(Math.min(at, MAX_DATE_MS));
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return validDate(`${text}T23:59:59Z`);
  const dateTime = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!dateTime) return undefined;
  const [, date, time, zone] = dateTime as unknown as [string, string, string, string | undefined];
  return validDate(`${date}T${time}${zone ?? "Z"}`);
}

function validDate(text: string): Date | undefined {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  // Reject calendar overflow such as 2027-02-31 (Date would roll it into March).
  const [y, m, d] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, m - 1, d));
  return check.getUTCMonth() === m - 1 && check.getUTCDate() === d ? date : undefined;
}
