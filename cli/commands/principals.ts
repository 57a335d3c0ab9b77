// `token-sidecar principals create | list | deactivate`.

import type { Command } from "commander";
import { lifecycleContext } from "../../webhook/lifecycle/context";
import { createPrincipal, deactivatePrincipal, listAllPrincipals } from "../../webhook/lifecycle/service-tokens";
import { withDatabase, type CliContext } from "../context";
import { printFields, printJson, printTable } from "../output";
import { PRINCIPAL_HEADERS, principalJson, principalRow } from "./views";

export function registerPrincipalCommands(program: Command, ctx: CliContext): void {
  const principals = program.command("principals").description("service principals: the non-human actors that own service tokens");

  principals
    .command("create")
    .description("create a principal, or reuse the owner's active one of the same name (ignoring case)")
    .requiredOption("--owner <user>", "owning user (id or username); must be active")
    .requiredOption("--name <name>", "principal name (shown to Hasura as X-Hasura-User-Name)")
    .option("--json", "print as JSON")
    .action(async (options: { owner: string; name: string; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const { principal, reused } = await createPrincipal(lifecycleContext(handle.db, config, ctx.now), options);
        if (options.json) printJson(ctx.io, { ...principalJson(principal), reused });
        else printFields(ctx.io, [["principal", `${principal.id} (${reused ? "existing, reused" : "created"})`], ["name", principal.name], ["owner", principal.createdByUsername]]);
      });
    });

  principals
    .command("list")
    .description("list principals (active only, unless --all)")
    .option("--owner <user>", "only this owner's")
    .option("--all", "include inactive principals")
    .option("--json", "print as JSON")
    .action(async (options: { owner?: string; all?: boolean; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const rows = await listAllPrincipals(lifecycleContext(handle.db, config, ctx.now), { owner: options.owner, includeInactive: options.all });
        if (options.json) printJson(ctx.io, rows.map(principalJson));
        else printTable(ctx.io, PRINCIPAL_HEADERS, rows.map(principalRow));
      });
    });

  principals
    .command("deactivate")
    .description("deactivate a principal: its tokens stop working at once")
    .argument("<id>", "principal id")
    .option("--json", "print as JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const principal = await deactivatePrincipal(lifecycleContext(handle.db, config, ctx.now), id);
        if (options.json) printJson(ctx.io, principalJson(principal));
        else ctx.io.stdout(`principal ${principal.id} (${principal.name}) deactivated; its ${principal.usableTokens} unrevoked token(s) no longer authenticate\n`);
      });
    });
}
