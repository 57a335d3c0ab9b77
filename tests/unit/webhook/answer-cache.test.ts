import { AnswerCache, type CachedAnswer } from "../../../webhook/cache";

function answer(tags: string[], credentialExpiresAt: Date | null = null): CachedAnswer {
  return { kind: "service_token", variables: { "X-Hasura-Role": "service" }, credentialExpiresAt, label: "gwst_x", tags };
}

describe("AnswerCache", () => {
  let now: number;
  let cache: AnswerCache;
  const evictions: string[] = [];
  beforeEach(() => {
    now = 1_000_000;
    evictions.length = 0;
    cache = new AnswerCache({ maxEntries: 3, maxAgeSeconds: 60 }, { onEvict: (reason) => evictions.push(reason) }, () => now);
    cache.setEnabled(true);
  });

  it("serves what it stored until the ceiling", () => {
    expect(cache.set("k", answer(["st:1"]), cache.ticket())).toBe(true);
    expect(cache.get("k")?.label).toBe("gwst_x");
    now += 59_999;
    expect(cache.get("k")).toBeDefined();
    now += 1;
    expect(cache.get("k")).toBeUndefined();
    expect(evictions).toEqual(["expired"]);
  });

  it("never keeps an answer past the credential's own expiry", () => {
    cache.set("k", answer(["st:1"], new Date(now + 5_000)), cache.ticket());
    now += 5_000;
    expect(cache.get("k")).toBeUndefined();
  });

  it("does not store an answer for a credential that has already expired", () => {
    expect(cache.set("k", answer(["st:1"], new Date(now - 1)), cache.ticket())).toBe(false);
  });

  it("drops exactly the entries carrying an invalidated tag", () => {
    cache.set("a", answer(["st:1", "u:5"]), cache.ticket());
    cache.set("b", answer(["st:2", "u:6"]), cache.ticket());
    expect(cache.invalidate(["u:5"])).toBe(1);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBeDefined();
    expect(cache.invalidate(["all"])).toBe(1);
    expect(cache.get("b")).toBeUndefined();
  });

  it("refuses to store an answer computed while an invalidation arrived", () => {
    const ticket = cache.ticket();
    cache.invalidate(["st:99"]);
    expect(cache.set("k", answer(["st:1"]), ticket)).toBe(false);
    expect(cache.get("k")).toBeUndefined();
  });

  it("is bypassed and emptied while disabled", () => {
    cache.set("k", answer(["st:1"]), cache.ticket());
    cache.setEnabled(false);
    expect(cache.get("k")).toBeUndefined();
    const ticket = cache.ticket();
    expect(cache.set("k", answer(["st:1"]), ticket)).toBe(false);
    cache.setEnabled(true);
    expect(cache.get("k")).toBeUndefined();
  });

  it("evicts the least recently used entry when full", () => {
    for (const key of ["a", "b", "c"]) cache.set(key, answer([`st:${key}`]), cache.ticket());
    cache.get("a");
    cache.set("d", answer(["st:d"]), cache.ticket());
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.size).toBe(3);
    expect(evictions).toContain("capacity");
    // The evicted entry's tags no longer point anywhere.
    expect(cache.invalidate(["st:b"])).toBe(0);
  });

  it("caches nothing when the ceiling is 0", () => {
    const off = new AnswerCache({ maxEntries: 10, maxAgeSeconds: 0 }, {}, () => now);
    off.setEnabled(true);
    expect(off.set("k", answer(["st:1"]), off.ticket())).toBe(false);
  });

  it("caches (and indexes) nothing when it has no room", () => {
    const none = new AnswerCache({ maxEntries: 0, maxAgeSeconds: 60 }, {}, () => now);
    none.setEnabled(true);
    for (let i = 0; i < 100; i += 1) expect(none.set(`k${i}`, answer([`st:${i}`]), none.ticket())).toBe(false);
    expect(none.size).toBe(0);
    expect((none as unknown as { byTag: Map<string, unknown> }).byTag.size).toBe(0);
  });
});
