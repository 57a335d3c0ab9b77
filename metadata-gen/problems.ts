// Collects problems against one file while a policy is read and resolved, attaching the line of
// each key path, so validation can go on after the first problem and report them all together.

import { PolicyError, type Problem } from "./errors";
import { lineFor } from "./yaml-source";

export class ProblemList {
  private readonly found: Problem[] = [];
  /** Column names that could only be checked against the metadata (no database at hand). */
  readonly unverified = new Set<string>();

  constructor(
    readonly file: string,
    private readonly lines: ReadonlyMap<string, number> = new Map(),
  ) {}

  add(path: string, message: string): void {
    const line = lineFor(this.lines, path);
    if (this.found.some((p) => p.path === path && p.message === message)) return;
    this.found.push(line === undefined ? { file: this.file, path, message } : { file: this.file, path, line, message });
  }

  /** In file order (problems without a line first), so a long list reads top to bottom. */
  get items(): readonly Problem[] {
    return this.found
      .map((problem, index) => ({ problem, index }))
      .sort((a, b) => (a.problem.line ?? 0) - (b.problem.line ?? 0) || a.index - b.index)
      .map(({ problem }) => problem);
  }

  get count(): number {
    return this.found.length;
  }

  throwIfAny(): void {
    if (this.found.length > 0) throw new PolicyError(this.items);
  }
}

/** "one, two and three" for messages. */
export function listing(items: readonly string[], limit = 12): string {
  if (items.length === 0) return "none";
  const shown = items.slice(0, limit);
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}
