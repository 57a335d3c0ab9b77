// `token-sidecar access <token | - | --token-id N>`: what a credential can reach, table by table,
// evaluated on the real database with the metadata's permissions (read-only: the checks' side
// effects are rolled back). `-` reads the token from stdin, keeping it out of shell history.
// A credential that can reach nothing still gets its report (and --json), then a non-zero exit so
// scripts need not parse it: 66 (not found) when the token is unknown or malformed, 67 (conflict
// with its state) when it exists but is revoked, expired or refused by the webhook's checks.

import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { accessReport, type AccessReport } from "../../evaluator/report";
import { ConflictError, InvalidInputError, NotFoundError } from "../../webhook/errors";
import { embeddedJwtSecret } from "../../webhook/embedded-secret";
import { packageRoot } from "../../webhook/package-root";
import { positiveId } from "../../webhook/lifecycle/service-tokens";
import { withDatabase, type CliContext } from "../context";
import { printFields, printJson, printTable } from "../output";

export function registerAccessCommand(program: Command, ctx: CliContext): void {
  program
    .command("access")
    .description("report what a token can reach: rows per table, projects and oplogs, mutations, scope, stale grants")
    .argument("[token]", "the token (or - to read it from stdin)")
    .option("--token-id <id>", "a service token by id: the same checks, minus the secret")
    .option("--metadata <dir>", "Hasura metadata directory", "hasura/metadata")
    .option("--source <name>", "Hasura source name", "default")
    .option("--json", "print as JSON")
    .action(async (tokenArgument: string | undefined, options: { tokenId?: string; metadata: string; source: string; json?: boolean }) => {
      if ((tokenArgument === undefined) === (options.tokenId === undefined)) throw new InvalidInputError("give a token (or -) or --token-id, not both");
      const token = tokenArgument === "-" ? fs.readFileSync(0, "utf8").trim() : tokenArgument;
      const tokenId = options.tokenId === undefined ? undefined : positiveId(options.tokenId, "token id");
      const metadataRoot = metadataDirectory(ctx, options.metadata);
      await withDatabase(ctx, async (handle, config) => {
        const jwtSecret = config.jwt.secret ?? (handle.kind === "pglite" ? embeddedJwtSecret(path.resolve(ctx.io.cwd, config.embeddedDataDir)) : undefined);
        const report = await accessReport(handle.db, config, { token, tokenId, metadataRoot, source: options.source, jwtSecret }, ctx.now?.());
        if (options.json) printJson(ctx.io, report);
        else printReport(ctx, report);
        throwIfUnusable(report.credential);
      });
    });
}

function throwIfUnusable(credential: AccessReport["credential"]): void {
  const why = credential.reason ? ` (${credential.reason})` : "";
  if (credential.status === "unknown") throw new NotFoundError(`no such token${why}`);
  if (credential.status === "rejected") throw new ConflictError(`the webhook would refuse this token${why}: it can reach nothing`);
  if (credential.status !== "usable") throw new ConflictError(`the token is ${credential.status}: it can reach nothing`);
}

/** The given directory, or the packaged reference app's when the default is not in the cwd. */
function metadataDirectory(ctx: CliContext, given: string): string {
  const resolved = path.resolve(ctx.io.cwd, given);
  if (fs.existsSync(resolved) || given !== "hasura/metadata") return resolved;
  return path.join(packageRoot(), "hasura", "metadata");
}

function printReport(ctx: CliContext, report: AccessReport): void {
  const c = report.credential;
  const title = c.kind === "service_token" ? "service token" : c.kind === "api_token" ? "API token" : "JWT";
  const fields: [string, string | null | undefined][] = [[title, c.id ? `${c.id}${c.name ? ` (${c.name})` : ""}${c.prefix ? ` ${c.prefix}` : ""}` : c.kind]];
  if (c.principal) fields.push(["principal", c.principal]);
  if (c.owner) fields.push([c.kind === "service_token" ? "creator" : "user", c.owner]);
  fields.push(["status", c.status + (c.reason ? ` (${c.reason})` : "")]);
  if (c.scope) fields.push(["scope", `${c.scope} (preset ${c.preset})`]);
  if (c.staleProjects) fields.push(["stale grants", c.staleProjects.length === 0 ? "none" : `project(s) ${c.staleProjects.join(", ")}: the creator lost access (pruned at the next request)`]);
  if (c.expires !== undefined) fields.push(["expires", c.expires ?? "never"]);
  if (c.lastUsedAt !== undefined) fields.push(["last used", c.lastUsedAt ?? "never"]);
  if (report.role) fields.push(["role", report.role]);
  printFields(ctx.io, fields);
  if (c.status !== "usable") {
    ctx.io.stdout(`\nIt can reach nothing: ${c.status === "rejected" ? "the webhook would answer 401" : `the token is ${c.status}`}.\n`);
    return;
  }
  ctx.io.stdout("\nReadable tables (select):\n");
  printTable(ctx.io, ["TABLE", "ROWS", "PROJECTS", "OPLOGS", "COLUMNS"], report.tables.map((t) => [
    t.table, t.rows, t.projects === null ? "-" : t.projects.join(",") || "(none)", t.oplogs === null ? "-" : t.oplogs.join(",") || "(none)",
    t.columns === "*" ? "*" : t.columns.join(", "),
  ]));
  ctx.io.stdout("\nMutations:\n");
  printTable(ctx.io, ["TABLE", "ACTION", "ROWS NOW", "CONDITION", "COLUMNS"], report.mutations.map((m) => [
    m.table, m.action, m.rows === undefined ? "-" : m.rows, JSON.stringify(m.condition), m.columns === undefined ? "-" : m.columns === "*" ? "*" : m.columns.join(", "),
  ]));
}
