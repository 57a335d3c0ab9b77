// `token-sidecar tokens create | list | revoke | expiry`: service tokens (`gwst_`).

import type { Command } from "commander";
import { InvalidInputError } from "../../webhook/errors";
import { lifecycleContext } from "../../webhook/lifecycle/context";
import {
  changeServiceTokenExpiry,
  createServiceToken,
  listTokens,
  revokeServiceToken,
  type ScopeRequest,
} from "../../webhook/lifecycle/service-tokens";
import { withDatabase, type CliContext } from "../context";
import { printFields, printJson, printTable } from "../output";
import { SERVICE_TOKEN_HEADERS, serviceTokenJson, serviceTokenRow } from "./views";

interface CreateOptions {
  creator: string;
  name: string;
  expires?: string;
  principal?: string;
  newPrincipal?: string;
  preset?: string;
  oplog?: string;
  projects?: string;
  allProjects?: boolean;
  grant?: string[];
  json?: boolean;
}

export function registerServiceTokenCommands(program: Command, ctx: CliContext): void {
  const tokens = program.command("tokens").description("service tokens (gwst_): scoped credentials owned by a service principal");

  tokens
    .command("create")
    .description("create a service token; the token is printed once and never again")
    .requiredOption("--creator <user>", "creating user (id or username); must be active and able to see what is granted")
    .requiredOption("--name <name>", "token name")
    .option("--expires <when>", "required: 2027-01-31T17:00:00Z, 2027-01-31, or a duration such as 30d")
    .option("--principal <id>", "an active principal of the creator")
    .option("--new-principal <name>", "a new principal name (an active principal of that name is reused)")
    .option("--preset <preset>", "oplog_rw (with --oplog) or project_read (with --projects or --all-projects); custom with --grant")
    .option("--oplog <id>", "oplog_rw: the oplog to read and write entries of")
    .option("--projects <ids>", "project_read: comma-separated project ids")
    .option("--all-projects", "project_read: every project the creator can access, now and later")
    .option("--grant <grant...>", "custom grants: oplog:<id>:<read|create|update|delete>, project:<id>:read, project:all:read")
    .option("--json", "print as JSON (includes the token)")
    .action(async (options: CreateOptions) => {
      const scope = scopeFromOptions(options);
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const created = await createServiceToken(lifecycle, {
          creator: options.creator,
          name: options.name,
          expires: options.expires,
          principalId: options.principal,
          newPrincipalName: options.newPrincipal,
          scope,
        });
        const view = serviceTokenJson(created.record, lifecycle.now());
        if (options.json) {
          printJson(ctx.io, { ...view, principalReused: created.principalReused, token: created.token });
          return;
        }
        printFields(ctx.io, [
          ["service token", `${view.id} (${view.name})`],
          ["principal", `${view.principal.id} (${view.principal.name}${created.principalReused ? ", existing" : ", new"})`],
          ["scope", view.scope],
          ["expires", created.record.expiryDate],
        ]);
        ctx.io.stdout(`\nToken (shown once; store it now, it cannot be shown again):\n${created.token}\n`);
      });
    });

  tokens
    .command("list")
    .description("list service tokens with scope, status and last use (unrevoked only, unless --all)")
    .option("--creator <user>", "only tokens this user created")
    .option("--principal <id>", "only this principal's tokens")
    .option("--all", "include revoked tokens")
    .option("--json", "print as JSON")
    .action(async (options: { creator?: string; principal?: string; all?: boolean; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const rows = await listTokens(lifecycle, { creator: options.creator, principalId: options.principal, includeRevoked: options.all });
        if (options.json) printJson(ctx.io, rows.map((r) => serviceTokenJson(r, lifecycle.now())));
        else printTable(ctx.io, SERVICE_TOKEN_HEADERS, rows.map((r) => serviceTokenRow(r, lifecycle.now())));
      });
    });

  tokens
    .command("revoke")
    .description("revoke a service token (cannot be undone); it stops authenticating at once")
    .argument("<id>", "service token id")
    .option("--json", "print as JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const record = await revokeServiceToken(lifecycle, id);
        if (options.json) printJson(ctx.io, serviceTokenJson(record, lifecycle.now()));
        else ctx.io.stdout(`service token ${record.id} (${record.name}) revoked\n`);
      });
    });

  tokens
    .command("expiry")
    .description("change a service token's expiry (the secret stays the same, as in Ghostwriter)")
    .argument("<id>", "service token id")
    .requiredOption("--expires <when>", "new expiry: date-time, date, or duration such as 30d")
    .option("--json", "print as JSON")
    .action(async (id: string, options: { expires: string; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const record = await changeServiceTokenExpiry(lifecycle, id, options.expires);
        if (options.json) printJson(ctx.io, serviceTokenJson(record, lifecycle.now()));
        else ctx.io.stdout(`service token ${record.id} now expires ${record.expiryDate?.toISOString()}\n`);
      });
    });
}

/** Exactly one way of saying what the token may reach. */
function scopeFromOptions(options: CreateOptions): ScopeRequest {
  const given = [options.oplog !== undefined, options.projects !== undefined, options.allProjects === true, (options.grant?.length ?? 0) > 0].filter(Boolean).length;
  const preset = options.preset ?? (options.grant ? "custom" : options.oplog !== undefined ? "oplog_rw" : options.projects !== undefined || options.allProjects ? "project_read" : undefined);
  if (preset === undefined || given === 0) {
    throw new InvalidInputError("say what the token may reach: --oplog <id>, --projects <ids>, --all-projects, or --grant <grant...>");
  }
  if (given > 1) throw new InvalidInputError("give only one of --oplog, --projects, --all-projects and --grant");
  switch (preset) {
    case "oplog_rw":
      if (options.oplog === undefined) throw new InvalidInputError("Select an oplog for an oplog read/write token (--oplog <id>)");
      return { preset, oplogId: options.oplog };
    case "project_read":
      if (options.allProjects) return { preset, allAccessible: true };
      if (options.projects === undefined) throw new InvalidInputError("Select at least one project for a project read-only token (--projects or --all-projects)");
      return { preset, projectIds: options.projects.split(",").map((id) => id.trim()).filter((id) => id !== "") };
    case "custom":
      if (!options.grant) throw new InvalidInputError("a custom token needs --grant");
      return { preset, grants: options.grant };
    default:
      throw new InvalidInputError(`unknown preset "${preset}": use oplog_rw, project_read or custom`);
  }
}
