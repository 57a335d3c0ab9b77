// `token-sidecar api-tokens create | list | revoke | expiry`: user API tokens (`gwat_`).

import type { Command } from "commander";
import { lifecycleContext } from "../../webhook/lifecycle/context";
import { changeApiTokenExpiry, createApiToken, listUserApiTokens, revokeApiToken } from "../../webhook/lifecycle/api-tokens";
import { withDatabase, type CliContext } from "../context";
import { printFields, printJson, printTable } from "../output";
import { API_KEY_HEADERS, apiKeyJson, apiKeyRow } from "./views";

export function registerApiTokenCommands(program: Command, ctx: CliContext): void {
  const apiTokens = program.command("api-tokens").description("user API tokens (gwat_): act as the user, with the user's current access");

  apiTokens
    .command("create")
    .description("create an API token for a user; the token is printed once and never again")
    .requiredOption("--user <user>", "the user (id or username); must be active")
    .requiredOption("--name <name>", "token name")
    .option("--expires <when>", "required: 2027-01-31T17:00:00Z, 2027-01-31, or a duration such as 30d")
    .option("--json", "print as JSON (includes the token)")
    .action(async (options: { user: string; name: string; expires?: string; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const issued = await createApiToken(lifecycle, { user: options.user, name: options.name, expires: options.expires });
        const view = apiKeyJson(issued.record, lifecycle.now());
        if (options.json) {
          printJson(ctx.io, { ...view, token: issued.token });
          return;
        }
        printFields(ctx.io, [["API token", `${view.id} (${view.name})`], ["user", view.user], ["expires", issued.record.expiryDate]]);
        ctx.io.stdout(`\nToken (shown once; store it now, it cannot be shown again):\n${issued.token}\n`);
      });
    });

  apiTokens
    .command("list")
    .description("list API tokens (unrevoked only, unless --all)")
    .option("--user <user>", "only this user's tokens")
    .option("--all", "include revoked tokens")
    .option("--json", "print as JSON")
    .action(async (options: { user?: string; all?: boolean; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const rows = await listUserApiTokens(lifecycle, { user: options.user, includeRevoked: options.all });
        if (options.json) printJson(ctx.io, rows.map((r) => apiKeyJson(r, lifecycle.now())));
        else printTable(ctx.io, API_KEY_HEADERS, rows.map((r) => apiKeyRow(r, lifecycle.now())));
      });
    });

  apiTokens
    .command("revoke")
    .description("revoke an API token (cannot be undone)")
    .argument("<id>", "API token id")
    .option("--json", "print as JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const record = await revokeApiToken(lifecycle, id);
        if (options.json) printJson(ctx.io, apiKeyJson(record, lifecycle.now()));
        else ctx.io.stdout(`API token ${record.id} (${record.name}) revoked\n`);
      });
    });

  apiTokens
    .command("expiry")
    .description("change an API token's expiry: this rotates it (new token printed once; the old one stops working)")
    .argument("<id>", "API token id")
    .requiredOption("--expires <when>", "new expiry: date-time, date, or duration such as 30d")
    .option("--json", "print as JSON (includes the new token)")
    .action(async (id: string, options: { expires: string; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const issued = await changeApiTokenExpiry(lifecycle, id, options.expires);
        const view = apiKeyJson(issued.record, lifecycle.now());
        if (options.json) {
          printJson(ctx.io, { ...view, token: issued.token });
          return;
        }
        ctx.io.stdout(`API token ${view.id} rotated; it now expires ${view.expires}. The old token no longer works.\n`);
        ctx.io.stdout(`\nReplacement token (shown once; store it now):\n${issued.token}\n`);
      });
    });
}
