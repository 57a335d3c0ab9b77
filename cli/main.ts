// The `token-sidecar` command line: one commander program whose subcommands live in
// cli/commands/. run() is the whole CLI as a function (tests call it in-process); main() is what
// the installed bin calls. Every failure ends as one line on stderr and a documented exit code.

import { Command, CommanderError } from "commander";
import { errorMessage, SidecarError } from "../webhook/errors";
import { registerAccessCommand } from "./commands/access";
import { registerApiTokenCommands } from "./commands/api-tokens";
import { registerMetadataCommands } from "../metadata-gen/cli";
import { registerMigrateCommands } from "./commands/migrate";
import { registerPrincipalCommands } from "./commands/principals";
import { registerServeCommand } from "./commands/serve";
import { registerServiceTokenCommands } from "./commands/service-tokens";
import { registerSessionCommands } from "./commands/sessions";
import type { CliContext } from "./context";
import { EXIT, exitCodeFor } from "./exit-codes";
import { processIo } from "./io";
import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "../webhook/package-root";

export interface CommandResult {
  /** Set by a command that ends with a code other than 0 without an error (e.g. drift). */
  code: number;
}

export function buildProgram(ctx: CliContext, result: CommandResult): Command {
  const program = new Command("token-sidecar")
    .description("Scoped, revocable, fast API credentials for Hasura (a Ghostwriter 7 compatible auth webhook)")
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) });
  registerServeCommand(program, ctx);
  registerMigrateCommands(program, ctx);
  registerPrincipalCommands(program, ctx);
  registerServiceTokenCommands(program, ctx);
  registerApiTokenCommands(program, ctx);
  registerSessionCommands(program, ctx);
  registerMetadataCommands(program, ctx, result);
  registerAccessCommand(program, ctx);
  // Subcommands inherit the output and exit behaviour.
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) });
  }
  return program;
}

export async function run(args: readonly string[], ctx: CliContext): Promise<number> {
  const result: CommandResult = { code: EXIT.ok };
  const program = buildProgram(ctx, result);
  try {
    await program.parseAsync([...args], { from: "user" });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; commander already printed usage errors.
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version" ? EXIT.ok : EXIT.usage;
    }
    ctx.io.stderr(`token-sidecar: ${describe(error)}\n`);
    return exitCodeFor(error);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  return run(argv.slice(2), { io: processIo });
}

function describe(error: unknown): string {
  if (error instanceof SidecarError) return error.message;
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ECONNREFUSED") return "cannot reach PostgreSQL (connection refused); check DATABASE_URL";
  return `unexpected error: ${errorMessage(error)}`;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version as string;
}
