// The generator's failures. A policy problem always names the file, the key path and what is wrong
// (and the line when it is known), and every problem found is reported at once, so one run shows
// the whole list. Nothing is written while any problem remains.

import { SidecarError } from "../webhook/errors";

export interface Problem {
  /** The file the problem is in, as the operator named it. */
  readonly file: string;
  /** Key path inside the file, e.g. `roles.service.tables.rolodex_project.filter`; "" for the file. */
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return problem.path === "" ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}

/** The policy (or what it refers to in the metadata or database) is invalid. */
export class PolicyError extends SidecarError {
  readonly code = "POLICY_INVALID";
  constructor(readonly problems: readonly Problem[]) {
    super(
      problems.length === 1
        ? `invalid policy: ${formatProblem(problems[0] as Problem)}`
        : `invalid policy (${problems.length} problems):\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`,
    );
  }
}

/** The Hasura metadata directory cannot be read as the export layout (missing file, bad YAML...). */
export class MetadataError extends SidecarError {
  readonly code = "METADATA_INVALID";
}
