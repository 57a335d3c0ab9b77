import { FailureLimiter } from "../../../webhook/failure-limiter";

describe("FailureLimiter", () => {
  it("blocks a key after the limit within the window and forgets it after", () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 3, windowSeconds: 60 }, () => now);
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.isBlocked("gwst:abc")).toBe(false);
      limiter.recordFailure("gwst:abc");
    }
    expect(limiter.isBlocked("gwst:abc")).toBe(true);
    expect(limiter.isBlocked("gwst:other")).toBe(false);
    now += 60_000;
    expect(limiter.isBlocked("gwst:abc")).toBe(false);
  });

  it("counts checks still running, so a concurrent burst cannot pass before the first failure lands", () => {
    const limiter = new FailureLimiter({ limit: 2, windowSeconds: 60 }, () => 0);
    expect(limiter.tryBegin("p")).toBe(true);
    expect(limiter.tryBegin("p")).toBe(true);
    expect(limiter.tryBegin("p")).toBe(false);
    limiter.end("p", false); // a success frees its slot and records nothing
    expect(limiter.tryBegin("p")).toBe(true);
    limiter.end("p", true);
    limiter.end("p", true);
    expect(limiter.isBlocked("p")).toBe(true);
    expect(limiter.tryBegin("p")).toBe(false);
  });

  it("stays bounded in memory", () => {
    const limiter = new FailureLimiter({ limit: 1, windowSeconds: 60, maxKeys: 2 }, () => 0);
    limiter.recordFailure("a");
    limiter.recordFailure("b");
    limiter.recordFailure("c");
    expect(limiter.isBlocked("a")).toBe(false);
    expect(limiter.isBlocked("b")).toBe(true);
    expect(limiter.isBlocked("c")).toBe(true);
  });
});
