// `metadata check`: the committed files against what the policy generates now. The lints run as
// part of resolving the policy (resolve.ts, lints.ts), so a policy that fails them never gets this
// far; what is left is drift, reported per file and per permission or relationship.

import type { Plan } from "./generate";

export function driftLines(plan: Plan): string[] {
  return plan.files.flatMap((file) => file.changes.map((change) => `${file.label}: ${change}`));
}

export function driftReport(plan: Plan): string {
  const lines = driftLines(plan);
  const files = plan.files.length;
  return [
    `drift: ${files} file(s) differ from what the policy generates:`,
    ...lines.map((l) => `  ${l}`),
    "run `token-sidecar metadata generate` and commit the result",
    "",
  ].join("\n");
}
