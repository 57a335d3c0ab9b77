// The policy file: its shape, and reading it into plain typed data. This checks everything that can
// be checked without the metadata (types, known keys, names, variables); policy-roles.ts reads the
// per-role table rules; resolve.ts then checks tables, columns and paths against the metadata and
// the database. Format reference: docs/policy.md.

import { readRoles, type RoleRule } from "./policy-roles";
import { ProblemList } from "./problems";
import { Fields, tableRef, type Located } from "./policy-fields";
import type { QualifiedName } from "./metadata";
import { keyLines, parseYaml, YamlSyntaxError } from "./yaml-source";

export type { RoleRule, TableRule, ColumnSpec, Action } from "./policy-roles";

export interface MembershipGrant {
  readonly via: "client" | "project";
  readonly table: QualifiedName;
  readonly user: string;
  /** The client or project column of the membership table. */
  readonly target: string;
  readonly path: string;
}

export interface Policy {
  readonly file: string;
  readonly source: string;
  readonly anonymousRole: string;
  readonly project: { readonly table: QualifiedName; readonly id: string; readonly client: string; readonly path: string };
  readonly access: {
    readonly view: QualifiedName;
    readonly userView: QualifiedName;
    readonly relationship: string;
    readonly tokenVariable: string;
    readonly path: string;
  };
  readonly membership: {
    readonly users: { readonly table: QualifiedName; readonly id: string; readonly active: string };
    readonly privileged: { readonly roleColumn: string | undefined; readonly roles: readonly string[]; readonly flags: readonly string[] };
    readonly grants: readonly MembershipGrant[];
    readonly path: string;
  };
  readonly sensitive: { readonly add: readonly string[]; readonly allow: readonly string[] };
  /** `schema.table.relationship` → `schema.table`, for relationships the metadata cannot resolve. */
  readonly relationshipTargets: ReadonlyMap<string, Located<string>>;
  readonly roles: readonly RoleRule[];
}

const TOP_KEYS = ["version", "source", "anonymous_role", "project", "access", "membership", "sensitive_columns", "relationship_targets", "definitions", "roles"];

/** Parses and checks a policy; problems go to the returned list (never thrown here). */
export function readPolicy(text: string, file: string): { policy: Policy | undefined; problems: ProblemList } {
  let raw: unknown;
  try {
    raw = parseYaml(text, file);
  } catch (error) {
    const problems = new ProblemList(file);
    const e = error as YamlSyntaxError;
    problems.add("", e.line === undefined ? `invalid YAML: ${e.reason}` : `line ${e.line}: invalid YAML: ${e.reason}`);
    return { policy: undefined, problems };
  }
  const problems = new ProblemList(file, keyLines(text));
  const top = new Fields(raw, "", problems, TOP_KEYS);
  if (!top.ok) return { policy: undefined, problems };
  const version = top.raw("version");
  if (version !== 1) problems.add("version", version === undefined ? "is required (version: 1)" : `unsupported version ${JSON.stringify(version)}; this generator reads version 1`);

  const project = top.object("project", ["table", "id", "client"]);
  const access = top.object("access", ["view", "user_view", "relationship", "token_variable"], true);
  const membership = top.object("membership", ["users", "privileged", "grants"]);
  const users = membership.object("users", ["table", "id", "active"], true);
  const privileged = membership.object("privileged", ["role_column", "roles", "flags"], true);
  const sensitive = top.object("sensitive_columns", ["add", "allow"], true);
  const accessView = tableRef(access.string("view", "api_service_token_project_access"), access.pathOf("view"), problems);
  const policy: Policy = {
    file,
    source: top.string("source", "default"),
    anonymousRole: top.string("anonymous_role", "public"),
    project: {
      table: tableRef(project.string("table"), project.pathOf("table"), problems),
      id: project.identifier("id", "id"),
      client: project.identifier("client", "client_id"),
      path: "project",
    },
    access: {
      view: fileSafe(accessView, access.pathOf("view"), problems),
      userView: tableRef(access.string("user_view", "api_user_project_read_access"), access.pathOf("user_view"), problems),
      relationship: access.graphqlName("relationship", "serviceTokenProjectAccesses"),
      tokenVariable: access.sessionVariable("token_variable", "X-Hasura-Service-Token-Id"),
      path: "access",
    },
    membership: {
      users: {
        table: tableRef(users.string("table", "users_user"), users.pathOf("table"), problems),
        id: users.identifier("id", "id"),
        active: users.identifier("active", "is_active"),
      },
      privileged: {
        roleColumn: privileged.optionalIdentifier("role_column"),
        roles: privileged.stringList("roles", []),
        flags: privileged.identifierList("flags", []),
      },
      grants: readGrants(membership, problems),
      path: "membership",
    },
    sensitive: { add: sensitive.stringList("add", []), allow: sensitive.stringList("allow", []) },
    relationshipTargets: readTargets(top, problems),
    roles: readRoles(top, problems),
  };
  const { privileged: p } = policy.membership;
  if (p.roles.length > 0 && p.roleColumn === undefined) problems.add(privileged.pathOf("role_column"), "is required when privileged.roles is set");
  const rawGrants = membership.raw("grants");
  const noGrants = rawGrants === undefined || rawGrants === null || (Array.isArray(rawGrants) && rawGrants.length === 0);
  if (membership.ok && p.roles.length === 0 && p.flags.length === 0 && noGrants) {
    problems.add("membership", "grants no user any project (no privileged roles or flags, no grants)");
  }
  return { policy, problems };
}

function readGrants(membership: Fields, problems: ProblemList): MembershipGrant[] {
  return membership.list("grants").flatMap(({ value, path }) => {
    const grant = new Fields(value, path, problems, ["via", "table", "user", "client", "project"]);
    if (!grant.ok) return [];
    const via = grant.string("via");
    if (via !== "client" && via !== "project") {
      if (via !== "") problems.add(grant.pathOf("via"), `must be "client" (every project of the client) or "project" (that project), not ${JSON.stringify(via)}`);
      return [];
    }
    const other = via === "client" ? "project" : "client";
    if (grant.raw(other) !== undefined) problems.add(grant.pathOf(other), `does not apply to a grant via ${via}`);
    return [{ via, table: tableRef(grant.string("table"), grant.pathOf("table"), problems), user: grant.identifier("user"), target: grant.identifier(via), path }];
  });
}

function readTargets(top: Fields, problems: ProblemList): Map<string, Located<string>> {
  const targets = new Map<string, Located<string>>();
  for (const { key, value, path } of top.entries("relationship_targets")) {
    const cut = key.lastIndexOf(".");
    if (cut <= 0 || typeof value !== "string") {
      problems.add(path, "write `<table>.<relationship>: <target table>`");
      continue;
    }
    const from = tableRef(key.slice(0, cut), path, problems);
    const to = tableRef(value, path, problems);
    targets.set(`${from.schema}.${from.name}.${key.slice(cut + 1)}`, { value: `${to.schema}.${to.name}`, path });
  }
  return targets;
}

// The access view's table file is named after it, so its name must be a plain file name.
function fileSafe(table: QualifiedName, path: string, problems: ProblemList): QualifiedName {
  const bad = (s: string) => /[/\\\u0000]/.test(s) || s.startsWith(".");
  if (bad(table.schema) || bad(table.name)) problems.add(path, "the view's name becomes a file name: it cannot contain / or \\ or start with a dot");
  return table;
}
