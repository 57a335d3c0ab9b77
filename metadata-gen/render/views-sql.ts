// The project-access views as SQL, from the policy's project and membership rules. Pure. Output is
// a repeatable migration (re-run whenever its text changes), so it must be idempotent, and it must
// never replace a view it did not create: Ghostwriter's own views (no marker comment) are left as
// they are. Every name goes through webhook/db/identifiers.ts; names never appear in comments.

import type { QualifiedName } from "../metadata";
import type { Policy } from "../policy";
import { quoteIdentifier, quoteLiteral, quoteQualified } from "../../webhook/db/identifiers";

export const VIEW_MARKER = "created by hasura-token-sidecar";

const q = quoteIdentifier;
const qq = (t: QualifiedName) => quoteQualified(t.schema, t.name);

/** Lines of the SELECT (a line may hold a newline inside a quoted name, so lines are never re-split). */
export function userAccessSelect(policy: Policy): string[] {
  const { users, privileged, grants } = policy.membership;
  const project = qq(policy.project.table);
  const pid = q(policy.project.id);
  const branches: string[][] = [];
  const conditions = [
    ...(privileged.roleColumn && privileged.roles.length > 0 ? [`u.${q(privileged.roleColumn)} IN (${privileged.roles.map(quoteLiteral).join(", ")})`] : []),
    ...privileged.flags.map((flag) => `u.${q(flag)}`),
  ];
  if (conditions.length > 0) {
    // Every active privileged user with every project: a join on the user's own row, not a cross join.
    branches.push([
      `SELECT CAST(u.${q(users.id)} AS bigint) AS user_id, CAST(p.${pid} AS bigint) AS project_id`,
      `FROM ${qq(users.table)} AS u`,
      `INNER JOIN ${project} AS p ON u.${q(users.active)} AND (${conditions.join(" OR ")})`,
    ]);
  }
  for (const grant of grants) {
    const member = `INNER JOIN ${qq(users.table)} AS u ON u.${q(users.id)} = m.${q(grant.user)} AND u.${q(users.active)}`;
    branches.push(
      grant.via === "client"
        ? [
            `SELECT CAST(m.${q(grant.user)} AS bigint) AS user_id, CAST(p.${pid} AS bigint) AS project_id`,
            `FROM ${qq(grant.table)} AS m`,
            member,
            `INNER JOIN ${project} AS p ON p.${q(policy.project.client)} = m.${q(grant.target)}`,
          ]
        : [`SELECT CAST(m.${q(grant.user)} AS bigint) AS user_id, CAST(m.${q(grant.target)} AS bigint) AS project_id`, `FROM ${qq(grant.table)} AS m`, member],
    );
  }
  return branches.flatMap((branch, i) => (i === 0 ? branch : ["UNION", ...branch]));
}

/** Both grant branches, each with all of Ghostwriter's validity conditions. */
export function tokenAccessSelect(policy: Policy): string[] {
  const schema = policy.access.view.schema;
  const api = (name: string) => quoteQualified(schema, name);
  const users = qq(policy.membership.users.table);
  const uid = q(policy.membership.users.id);
  const active = q(policy.membership.users.active);
  const joins = [
    `INNER JOIN ${api("api_servicetoken")} AS t ON t.id = g.token_id`,
    `INNER JOIN ${api("api_serviceprincipal")} AS sp ON sp.id = t.service_principal_id`,
    `INNER JOIN ${users} AS token_creator ON token_creator.${uid} = t.created_by_id`,
    `INNER JOIN ${users} AS principal_creator ON principal_creator.${uid} = sp.created_by_id`,
  ];
  const valid = [
    "g.resource_type = 'project'",
    "g.action = 'read'",
    "NOT t.revoked",
    "(t.expiry_date IS NULL OR t.expiry_date >= now())",
    "sp.active",
    `token_creator.${active}`,
    `principal_creator.${active}`,
  ];
  const readAccess = qq(policy.access.userView);
  const selected = [
    "SELECT CAST(t.id AS bigint) AS token_id, CAST(g.resource_id AS bigint) AS project_id",
    `FROM ${api("api_servicetokenpermission")} AS g`,
    ...joins,
    `INNER JOIN ${readAccess} AS r ON r.user_id = t.created_by_id AND r.project_id = g.resource_id`,
    ...where([...valid, "g.resource_id IS NOT NULL", "g.constraints = '{}'::jsonb"]),
  ];
  const allAccessible = [
    "SELECT CAST(t.id AS bigint) AS token_id, CAST(r.project_id AS bigint) AS project_id",
    `FROM ${api("api_servicetokenpermission")} AS g`,
    ...joins,
    `INNER JOIN ${readAccess} AS r ON r.user_id = t.created_by_id`,
    ...where([...valid, "g.resource_id IS NULL", `g.constraints = '{"scope": "all_accessible_projects"}'::jsonb`]),
  ];
  return [...selected, "UNION", ...allAccessible];
}

function where(conditions: readonly string[]): string[] {
  return conditions.map((c, i) => (i === 0 ? `WHERE ${c}` : `  AND ${c}`));
}

function ours(view: QualifiedName): string {
  const name = quoteLiteral(qq(view));
  return `EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = to_regclass(${name}) AND relkind = 'v' AND obj_description(oid, 'pg_class') = ${quoteLiteral(VIEW_MARKER)})`;
}

function createBlock(view: QualifiedName, columns: string, select: readonly string[]): string {
  const name = qq(view);
  return [
    `  IF to_regclass(${quoteLiteral(name)}) IS NULL OR ${ours(view)} THEN`,
    `    CREATE OR REPLACE VIEW ${name} (${columns}) AS`,
    select.map((line) => `      ${line}`).join("\n") + ";",
    `    COMMENT ON VIEW ${name} IS ${quoteLiteral(VIEW_MARKER)};`,
    "  ELSE",
    `    RAISE NOTICE 'view % was not created by hasura-token-sidecar: left unchanged', ${quoteLiteral(name)};`,
    "  END IF;",
  ].join("\n");
}

const UP_HEADER = `-- The project-access views the Hasura service permissions join against. Generated by
-- \`token-sidecar metadata generate\` from the policy (hasura/policy.yaml): edit the policy and
-- regenerate, never this file. A repeatable migration: applied again whenever its text changes.
-- A view of the same name that hasura-token-sidecar did not create (Ghostwriter's own, in a
-- drop-in deployment) is left unchanged.
`;

const DOWN_HEADER = `-- Drops the project-access views, but only those hasura-token-sidecar created (marked by their
-- comment); Ghostwriter's own views stay. Generated with access_views.sql: do not edit.
`;

export function renderViewsSql(policy: Policy): { up: string; down: string } {
  const up = [
    createBlock(policy.access.userView, "user_id, project_id", userAccessSelect(policy)),
    createBlock(policy.access.view, "token_id, project_id", tokenAccessSelect(policy)),
  ].join("\n");
  const down = [policy.access.view, policy.access.userView].map((v) => `  IF ${ours(v)} THEN\n    DROP VIEW ${qq(v)};\n  END IF;`).join("\n");
  return { up: `${UP_HEADER}\n${doBlock(up)}`, down: `${DOWN_HEADER}\n${doBlock(down)}` };
}

// The body is dollar-quoted with a tag that does not occur in it, so no name can end it early.
function doBlock(body: string): string {
  let tag = "$views$";
  for (let n = 1; body.includes(tag); n++) tag = `$views_${n}$`;
  return `DO ${tag}\nBEGIN\n${body}\nEND\n${tag};\n`;
}
