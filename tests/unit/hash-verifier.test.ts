// HashVerifier: at most `concurrency` verifications at once, at most `queueLimit` waiting, and an
// OverloadedError (the webhook's 503) beyond that, instead of memory growing without bound.
// Driven with a verify function whose calls the test finishes by hand, so nothing is timed.

import { HashVerifier } from "../../webhook/credentials/hash-verifier";
import { hashSecret } from "../../webhook/credentials/django-hashers";
import { OverloadedError } from "../../webhook/errors";
import { CHEAP_ARGON2 } from "../support/seed";

interface PendingCall {
  readonly secret: string;
  finish(result: boolean): void;
  fail(error: Error): void;
}

function controlledVerify() {
  const calls: PendingCall[] = [];
  let running = 0;
  let maxRunning = 0;
  const verify = (secret: string) =>
    new Promise<boolean>((resolve, reject) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      const done = () => (running -= 1);
      calls.push({
        secret,
        finish: (result) => {
          done();
          resolve(result);
        },
        fail: (error) => {
          done();
          reject(error);
        },
      });
    });
  return { verify, calls, maxRunning: () => maxRunning };
}

/** Lets queued promise callbacks run (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("HashVerifier", () => {
  it("runs at most `concurrency` verifications, queues up to `queueLimit`, and rejects the rest with OverloadedError", async () => {
    const control = controlledVerify();
    const verifier = new HashVerifier({ concurrency: 2, queueLimit: 2 }, control.verify);
    const results = ["a", "b", "c", "d"].map((s) => verifier.check(s, "hash"));
    await settle();
    expect(verifier.inFlight).toBe(2);
    expect(verifier.queued).toBe(2);
    expect(control.calls.map((c) => c.secret)).toEqual(["a", "b"]);

    await expect(verifier.check("e", "hash")).rejects.toBeInstanceOf(OverloadedError);
    await expect(verifier.check("f", "hash")).rejects.toThrow("hash verification queue is full");
    expect(verifier.queued).toBe(2); // the refused calls took no place in the queue

    // Finishing one hands its slot to the oldest waiter (FIFO); concurrency never exceeds 2.
    control.calls[0]!.finish(true);
    await settle();
    expect(control.calls.map((c) => c.secret)).toEqual(["a", "b", "c"]);
    expect(verifier.inFlight).toBe(2);
    expect(verifier.queued).toBe(1);

    control.calls[1]!.finish(false);
    await settle();
    expect(control.calls.map((c) => c.secret)).toEqual(["a", "b", "c", "d"]);
    expect(verifier.queued).toBe(0);
    control.calls[2]!.finish(false);
    control.calls[3]!.finish(true);

    await expect(Promise.all(results)).resolves.toEqual([true, false, false, true]);
    expect(verifier.inFlight).toBe(0);
    expect(verifier.queued).toBe(0);
    expect(control.maxRunning()).toBe(2);

    // With the queue drained, new work is accepted again.
    const again = verifier.check("g", "hash");
    await settle();
    control.calls[4]!.finish(true);
    await expect(again).resolves.toBe(true);
  });

  it("with queueLimit 0, refuses everything beyond the running ones", async () => {
    const control = controlledVerify();
    const verifier = new HashVerifier({ concurrency: 1, queueLimit: 0 }, control.verify);
    const first = verifier.check("a", "hash");
    await expect(verifier.check("b", "hash")).rejects.toBeInstanceOf(OverloadedError);
    control.calls[0]!.finish(true);
    await expect(first).resolves.toBe(true);
    expect(control.calls).toHaveLength(1);
  });

  it("releases the slot when a verification throws, and passes the error on", async () => {
    const control = controlledVerify();
    const verifier = new HashVerifier({ concurrency: 1, queueLimit: 1 }, control.verify);
    const failing = verifier.check("a", "hash");
    const waiting = verifier.check("b", "hash");
    await settle();
    control.calls[0]!.fail(new Error("boom"));
    await expect(failing).rejects.toThrow("boom");
    await settle();
    expect(verifier.inFlight).toBe(1);
    control.calls[1]!.finish(true);
    await expect(waiting).resolves.toBe(true);
    expect(verifier.inFlight).toBe(0);
  });

  it("uses Django-format verification by default", async () => {
    const encoded = await hashSecret("right-secret", CHEAP_ARGON2);
    const verifier = new HashVerifier({ concurrency: 2, queueLimit: 4 });
    await expect(verifier.check("right-secret", encoded)).resolves.toBe(true);
    await expect(verifier.check("wrong-secret", encoded)).resolves.toBe(false);
    await expect(verifier.check("right-secret", null)).resolves.toBe(false);
    await expect(verifier.check("right-secret", "garbage")).resolves.toBe(false);
  });
});
