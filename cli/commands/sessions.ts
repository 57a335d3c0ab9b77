// `token-sidecar sessions list | issue | revoke | clear-expired`: tracked login sessions (JWT jti).

import type { Command } from "commander";
import { InvalidInputError } from "../../webhook/errors";
import { lifecycleContext } from "../../webhook/lifecycle/context";
import { clearExpiredSessions, issueLoginSession, listUserSessions, revokeAllSessionsOfUser, revokeSession } from "../../webhook/lifecycle/sessions";
import { withDatabase, type CliContext } from "../context";
import { printJson, printTable } from "../output";
import { embeddedJwtSecret } from "../../webhook/embedded-secret";
import path from "node:path";
import { SESSION_HEADERS, sessionJson, sessionRow } from "./views";

export function registerSessionCommands(program: Command, ctx: CliContext): void {
  const sessions = program.command("sessions").description("login sessions: the tracked `jti` of login JWTs");

  sessions
    .command("list")
    .description("list sessions (live only, unless --all)")
    .option("--user <user>", "only this user's sessions")
    .option("--all", "include revoked and expired sessions")
    .option("--json", "print as JSON")
    .action(async (options: { user?: string; all?: boolean; json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const rows = await listUserSessions(lifecycle, { user: options.user, includeInactive: options.all });
        if (options.json) printJson(ctx.io, rows.map((r) => sessionJson(r, lifecycle.now())));
        else printTable(ctx.io, SESSION_HEADERS, rows.map((r) => sessionRow(r, lifecycle.now())));
      });
    });

  sessions
    .command("issue")
    .description("start a tracked session and print its login JWT once (what Ghostwriter's login action does)")
    .requiredOption("--user <user>", "the user (id or username); must be active")
    .option("--minutes <n>", "lifetime in minutes", "15")
    .option("--json", "print as JSON (includes the JWT)")
    .action(async (options: { user: string; minutes: string; json?: boolean }) => {
      if (!/^\d+$/.test(options.minutes)) throw new InvalidInputError("--minutes must be a whole number");
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        const secret = config.jwt.secret ?? (handle.kind === "pglite" ? embeddedJwtSecret(path.resolve(ctx.io.cwd, config.embeddedDataDir)) : undefined);
        const { jwt, session } = await issueLoginSession(lifecycle, { user: options.user, minutes: Number(options.minutes), jwtSecret: secret, audience: config.jwt.audience });
        if (options.json) printJson(ctx.io, { ...sessionJson(session, lifecycle.now()), jwt });
        else ctx.io.stdout(`session ${session.identifier} for ${session.user.username}, expires ${session.expiresAt.toISOString()}\n\nLogin JWT (shown once):\n${jwt}\n`);
      });
    });

  sessions
    .command("revoke")
    .description("revoke one session by its identifier, or every live session of --user")
    .argument("[identifier]", "session identifier (the JWT's jti)")
    .option("--user <user>", "revoke every live session of this user")
    .option("--by <user>", "record who revoked it")
    .option("--json", "print as JSON")
    .action(async (identifier: string | undefined, options: { user?: string; by?: string; json?: boolean }) => {
      if (identifier === undefined && options.user === undefined) throw new InvalidInputError("give a session identifier (the JWT's jti) or --user");
      if (identifier !== undefined && options.user !== undefined) throw new InvalidInputError("give a session identifier or --user, not both");
      await withDatabase(ctx, async (handle, config) => {
        const lifecycle = lifecycleContext(handle.db, config, ctx.now);
        if (options.user !== undefined) {
          const count = await revokeAllSessionsOfUser(lifecycle, options.user, options.by);
          if (options.json) printJson(ctx.io, { revoked: count });
          else ctx.io.stdout(`revoked ${count} session(s)\n`);
          return;
        }
        const session = await revokeSession(lifecycle, identifier as string, options.by);
        if (options.json) printJson(ctx.io, sessionJson(session, lifecycle.now()));
        else ctx.io.stdout(`session ${session.identifier} revoked\n`);
      });
    });

  sessions
    .command("clear-expired")
    .description("delete sessions whose expiry has passed (run daily, like Ghostwriter's clear_expired_sessions)")
    .option("--json", "print as JSON")
    .action(async (options: { json?: boolean }) => {
      await withDatabase(ctx, async (handle, config) => {
        const count = await clearExpiredSessions(lifecycleContext(handle.db, config, ctx.now));
        if (options.json) printJson(ctx.io, { deleted: count });
        else ctx.io.stdout(`deleted ${count} expired session(s)\n`);
      });
    });
}
