// `token-sidecar access` (placeholder until the evaluator lands).

import type { Command } from "commander";
import type { CliContext } from "../context";

export function registerAccessCommand(_program: Command, _ctx: CliContext): void {}
