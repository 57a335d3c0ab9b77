// The security lints, which make a policy invalid rather than warn: no sensitive column exposed,
// every service filter scoped or declared global, mutations only where a grant variable guards
// every branch, session variables only where the role's requests carry them (none for the
// anonymous role, no X-Hasura-User-Id for service tokens), no aggregations for the service role.

import type { Action, RoleRule } from "./policy-roles";
import type { ProblemList } from "./problems";
import type { Compiled } from "./scope";

/**
 * Column names that hold credentials or their derivatives, matched as globs against the column
 * name (or, with a dot, against `table.column`). The policy's sensitive_columns.add extends it.
 */
export const DEFAULT_SENSITIVE_COLUMNS: readonly string[] = [
  "password", "*password*", // Django password hashes
  "*secret*", // secret_hash of tokens, integration client secrets
  "*_hash", // any stored hash of a credential
  "token", "*_token", "*access_token*", "*refresh_token*", "*auth_token*", "*token_prefix*", // tokens, their prefixes
  "*api_key*", "key", "*_key", "*private_key*", // bloodhound_api_key_id/_token, aws_key, OTP device keys
  "*webhook_url*", // a Slack webhook URL is a bearer credential
  "session_key", "session_data", // Django sessions
  // Ghostwriter's credential columns by name, so `columns: all` is caught even when only the
  // metadata is at hand (it does not list every column; the database does).
  "users_user.password",
  "rolodex_project.bloodhound_api_key_id", "rolodex_project.bloodhound_api_key_token",
  "api_apikey.token", "api_apikey.secret_hash", "api_apikey.token_prefix",
  "api_servicetoken.secret_hash", "api_servicetoken.token_prefix",
  "commandcenter_bloodhoundconfiguration.api_key_id", "commandcenter_bloodhoundconfiguration.api_key_token",
  "commandcenter_virustotalconfiguration.api_key", "commandcenter_namecheapconfiguration.api_key",
  "commandcenter_cloudservicesconfiguration.aws_key", "commandcenter_cloudservicesconfiguration.aws_secret",
  "commandcenter_cloudservicesconfiguration.do_api_key", "commandcenter_slackconfiguration.webhook_url",
  "otp_totp_totpdevice.key", "otp_static_staticdevice.key", "django_session.session_key", "django_session.session_data",
];

export function globToRegExp(glob: string): RegExp {
  const body = glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`, "i");
}

export interface SensitiveMatcher {
  /** The pattern `table.column` matches, or undefined. `table` is `schema.name`. */
  match(table: string, column: string): string | undefined;
  /** Columns named literally as `table.column` patterns for this table (exposed by `'*'` even unseen). */
  literalFor(table: string): string[];
}

export function sensitiveMatcher(add: readonly string[], allow: readonly string[]): SensitiveMatcher {
  const patterns = [...DEFAULT_SENSITIVE_COLUMNS, ...add].map((p) => ({ p, re: globToRegExp(p), qualified: p.includes(".") }));
  const allowed = new Set(allow.map((a) => a.toLowerCase()));
  const isAllowed = (table: string, column: string) => {
    const bare = table.slice(table.indexOf(".") + 1);
    return allowed.has(`${table}.${column}`.toLowerCase()) || allowed.has(`${bare}.${column}`.toLowerCase());
  };
  return {
    match(table, column) {
      if (isAllowed(table, column)) return undefined;
      const bare = table.slice(table.indexOf(".") + 1);
      return patterns.find(({ re, qualified }) => (qualified ? re.test(`${table}.${column}`) || re.test(`${bare}.${column}`) : re.test(column)))?.p;
    },
    literalFor(table) {
      const bare = table.slice(table.indexOf(".") + 1);
      return patterns
        .filter(({ p }) => p.includes(".") && !p.includes("*"))
        .flatMap(({ p }) => {
          const cut = p.lastIndexOf(".");
          const t = p.slice(0, cut);
          return t === table || t === bare ? [p.slice(cut + 1)] : [];
        })
        .filter((column) => !isAllowed(table, column));
    },
  };
}

export function lintSensitive(problems: ProblemList, matcher: SensitiveMatcher, table: string, columns: readonly string[], path: string, what: string): void {
  for (const column of columns) {
    const pattern = matcher.match(table, column);
    if (pattern) problems.add(path, `${what} ${table}.${column}, a sensitive column (matches ${JSON.stringify(pattern)}); leave it out, or list it under sensitive_columns.allow if it really holds no secret`);
  }
}

export function lintVariables(problems: ProblemList, role: RoleRule, tokenVariable: string, anonymousRole: string, seen: ReadonlyArray<{ name: string; path: string }>): void {
  const allowed = new Set([tokenVariable, ...Object.values(role.grantVariables).flat()].map((v) => v.toLowerCase()));
  for (const { name, path } of seen) {
    const lower = name.toLowerCase();
    if (role.kind === "anonymous") {
      problems.add(path, `session variable ${name} in a permission of the anonymous role ${role.name}: anonymous requests carry no credential, so no session variable can identify anything`);
    } else if (role.kind === "service" && lower === "x-hasura-user-id") {
      problems.add(path, "X-Hasura-User-Id in a service permission: service tokens are not users (the webhook sends no user id for them); scope by the token's grants instead");
    } else if (role.kind === "service" && !allowed.has(lower)) {
      problems.add(path, `${name} is not a variable of service tokens here: use the token variable ${tokenVariable} or one of the role's grant_variables`);
    }
  }
  if (role.name === anonymousRole && role.kind !== "anonymous") problems.add(`${role.path}.kind`, `${role.name} is the anonymous role (anonymous_role), so its kind must be anonymous`);
}

export function lintSelect(problems: ProblemList, role: RoleRule, filter: Compiled, path: string, aggregations: { allow: boolean; allowPath: string; rootFields: readonly string[] | undefined; rootPath: string }): void {
  if (role.kind !== "service") return;
  if (!filter.global && !filter.scoped) {
    problems.add(path, "rows are neither scoped to the token (P(...), the token variable, or a grant variable, on every branch) nor declared global (filter: global)");
  }
  if (aggregations.allow) problems.add(aggregations.allowPath, "the service role never gets aggregations: a token reads the rows it is scoped to, not statistics over them");
  if (aggregations.rootFields?.includes("select_aggregate")) problems.add(aggregations.rootPath, "select_aggregate is an aggregation, which the service role never gets");
}

/** A mutation must be constrained, on every branch, by a grant variable of its own action. */
export function lintMutation(problems: ProblemList, role: RoleRule, action: Exclude<Action, "select">, compiled: Compiled, path: string): void {
  if (compiled.guards.has(action)) return;
  const declared = role.grantVariables[action];
  const hint = declared.length === 0 ? `role ${role.name} declares no grant_variables.${action}` : `compare a column with ${declared.join(" or ")} using _eq or _in`;
  problems.add(path, `${action} is not guarded by a grant variable on every branch (${hint})`);
}
