// `token-sidecar serve` (what `npm start` runs): the webhook process, until SIGTERM or SIGINT.

import type { Command } from "commander";
import { startServer } from "../../webhook/main";
import type { CliContext } from "../context";

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("run the auth webhook (GET/POST /auth, /healthz, /readyz, /metrics) until SIGTERM")
    .action(async () => {
      const server = await startServer({ env: ctx.io.env, cwd: ctx.io.cwd, handleSignals: true });
      await server.stopped;
    });
}
