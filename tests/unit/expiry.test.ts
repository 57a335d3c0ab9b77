// Expiry rules (spec §2 "Expiry", §8 form rules, 7.2.1's maximum lifetime): required, in the
// future, at most TOKEN_MAX_LIFETIME_DAYS away; accepted as a date-time, a date or a duration.

import { parseExpiry } from "../../webhook/lifecycle/expiry";
import { InvalidInputError } from "../../webhook/errors";

const NOW = new Date("2026-07-01T12:00:00.000Z");
const options = { now: NOW, maxLifetimeDays: 365 };
const DAY = 86_400_000;

function expiryOf(input: string | undefined, opts = options): string {
  return parseExpiry(input, opts).toISOString();
}

describe("parseExpiry accepts", () => {
  it.each([
    ["30d", "2026-07-31T12:00:00.000Z"],
    ["12h", "2026-07-02T00:00:00.000Z"],
    ["90m", "2026-07-01T13:30:00.000Z"],
    ["2w", "2026-07-15T12:00:00.000Z"],
    ["30D", "2026-07-31T12:00:00.000Z"],
    [" 7d ", "2026-07-08T12:00:00.000Z"],
    ["2026-08-01", "2026-08-01T23:59:59.000Z"],
    ["2026-08-01T17:00:00Z", "2026-08-01T17:00:00.000Z"],
    ["2026-08-01T17:00:00", "2026-08-01T17:00:00.000Z"],
    ["2026-08-01T17:00", "2026-08-01T17:00:00.000Z"],
    ["2026-08-01 17:00:00", "2026-08-01T17:00:00.000Z"],
    ["2026-08-01T17:00:00.250Z", "2026-08-01T17:00:00.250Z"],
    ["2026-08-01T17:00:00+02:00", "2026-08-01T15:00:00.000Z"],
    ["2026-08-01T17:00:00-0530", "2026-08-01T22:30:00.000Z"],
    ["2028-02-29", "2028-02-29T23:59:59.000Z"],
  ])("%s", (input, expected) => {
    expect(expiryOf(input, { now: NOW, maxLifetimeDays: 1000 })).toBe(expected);
  });

  it("exactly the maximum lifetime", () => {
    expect(expiryOf("365d")).toBe(new Date(NOW.getTime() + 365 * DAY).toISOString());
    expect(expiryOf(new Date(NOW.getTime() + 365 * DAY).toISOString())).toBe("2027-07-01T12:00:00.000Z");
  });

  it("one millisecond in the future", () => {
    expect(expiryOf("2026-07-01T12:00:00.001Z")).toBe("2026-07-01T12:00:00.001Z");
  });
});

describe("parseExpiry refuses", () => {
  function refusal(input: string | undefined, opts = options): string {
    try {
      parseExpiry(input, opts);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      return (error as Error).message;
    }
    throw new Error(`"${input}" was accepted`);
  }

  it("a missing expiry (required, as in Ghostwriter's forms)", () => {
    for (const input of [undefined, "", "   "]) expect(refusal(input)).toMatch(/^an expiry is required/);
  });

  it("a past or present expiry", () => {
    expect(refusal("2026-07-01T11:59:59Z")).toBe("The token expiration date cannot be in the past");
    expect(refusal("2026-07-01T12:00:00Z")).toBe("The token expiration date cannot be in the past");
    expect(refusal("2020-01-01")).toBe("The token expiration date cannot be in the past");
  });

  it("anything beyond TOKEN_MAX_LIFETIME_DAYS", () => {
    expect(refusal("366d")).toBe("the expiry is more than 365 days away (TOKEN_MAX_LIFETIME_DAYS)");
    expect(refusal("2027-07-01T12:00:00.001Z")).toBe("the expiry is more than 365 days away (TOKEN_MAX_LIFETIME_DAYS)");
    expect(refusal("2d", { now: NOW, maxLifetimeDays: 1 })).toBe("the expiry is more than 1 days away (TOKEN_MAX_LIFETIME_DAYS)");
  });

  it("durations too large for a date are just too far away, not an invalid date that slips through", () => {
    expect(refusal("99999999999999999999d")).toBe("the expiry is more than 365 days away (TOKEN_MAX_LIFETIME_DAYS)");
    expect(refusal("400000000d")).toBe("the expiry is more than 365 days away (TOKEN_MAX_LIFETIME_DAYS)");
  });

  it.each([
    "0d",
    "-5d",
    "30",
    "30 days",
    "d",
    "1y",
    "tomorrow",
    "2027-02-29",
    "2026-02-31",
    "2026-13-01",
    "2026-00-10",
    "2026-08-01T25:00:00Z",
    "2026-08-01T17:61:00Z",
    "2026/08/01",
    "01-08-2026",
    "2026-08-01T17",
    "2026-08-01Z",
    "1785000000",
  ])("the malformed value %s", (input) => {
    expect(refusal(input)).toMatch(/is not a date-time \(2027-01-31T17:00:00Z\), a date \(2027-01-31\) or a duration/);
  });
});
