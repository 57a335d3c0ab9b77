// `token-sidecar metadata generate | check` (placeholder until the generator lands).

import type { Command } from "commander";
import type { CliContext } from "../cli/context";
import type { CommandResult } from "../cli/main";

export function registerMetadataCommands(program: Command, _ctx: CliContext, _result: CommandResult): void {
  program.command("metadata").description("generate and check the Hasura permissions and access views");
}
