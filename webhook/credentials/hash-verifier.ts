// Bounded hash work. Each Argon2id verification at Django's parameters takes ~100 MiB, so at most
// `concurrency` run at once and at most `queueLimit` wait; beyond that the caller gets an
// OverloadedError (the webhook answers 503) instead of memory growing without bound.

import { OverloadedError } from "../errors";
import { verifySecret } from "./django-hashers";

export interface HashVerifierOptions {
  readonly concurrency: number;
  readonly queueLimit: number;
}

export class HashVerifier {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly options: HashVerifierOptions,
    private readonly verify: (secret: string, encoded: string | null) => Promise<boolean> = verifySecret,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async check(secret: string, encoded: string | null): Promise<boolean> {
    await this.acquire();
    try {
      return await this.verify(secret, encoded);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.queueLimit) {
      return Promise.reject(new OverloadedError("hash verification queue is full"));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.running -= 1;
  }
}
