// The access views' SQL text: Ghostwriter's shape without a cross join, every name quoted through
// webhook/db/identifiers.ts, and a dollar-quote tag no name can end. (Applied to a real database in
// tests/integration/metadata-gen/access-views.test.ts.)

import fs from "node:fs";
import path from "node:path";
import { readPolicy, type Policy } from "../../../metadata-gen/policy";
import { renderViewsSql, tokenAccessSelect, userAccessSelect } from "../../../metadata-gen/render/views-sql";
import { quoteIdentifier } from "../../../webhook/db/identifiers";
import { HOSTILE, hostilePolicyText, REPO } from "./support";

function policyFrom(text: string): Policy {
  const { policy, problems } = readPolicy(text, "policy.yaml");
  expect(problems.items).toEqual([]);
  return policy as Policy;
}

describe("the access views SQL", () => {
  const reference = policyFrom(fs.readFileSync(path.join(REPO, "hasura", "policy.yaml"), "utf8"));

  it("is what the repository holds", () => {
    const { up, down } = renderViewsSql(reference);
    expect(fs.readFileSync(path.join(REPO, "migrations", "repeatable", "access_views.sql"), "utf8")).toBe(up);
    expect(fs.readFileSync(path.join(REPO, "migrations", "repeatable", "access_views.down.sql"), "utf8")).toBe(down);
  });

  it("builds the user view from the four membership sources, without a cross join", () => {
    const select = userAccessSelect(reference).join("\n");
    expect(select.split("\nUNION\n")).toHaveLength(4);
    expect(select).not.toMatch(/CROSS JOIN|ON TRUE|,\s*"public"\."rolodex_project"/i);
    expect(select).toContain(`INNER JOIN "public"."rolodex_project" AS p ON u."is_active" AND (u."role" IN ('admin', 'manager') OR u."is_staff" OR u."is_superuser")`);
    expect(select).toContain(`INNER JOIN "public"."rolodex_project" AS p ON p."client_id" = m."client_id"`);
    expect(select.match(/CAST\(/g)).toHaveLength(8);
  });

  it("gives the token view both grant branches with every validity condition", () => {
    const [selected, all] = tokenAccessSelect(reference).join("\n").split("\nUNION\n") as [string, string];
    for (const branch of [selected, all]) {
      for (const condition of ["g.resource_type = 'project'", "g.action = 'read'", "NOT t.revoked", "(t.expiry_date IS NULL OR t.expiry_date >= now())", "sp.active", 'token_creator."is_active"', 'principal_creator."is_active"']) {
        expect(branch).toContain(condition);
      }
      expect(branch).not.toMatch(/CROSS JOIN|ON TRUE/i);
    }
    expect(selected).toContain("g.resource_id IS NOT NULL");
    expect(selected).toContain("g.constraints = '{}'::jsonb");
    expect(selected).toContain(`r.user_id = t.created_by_id AND r.project_id = g.resource_id`);
    expect(all).toContain("g.resource_id IS NULL");
    expect(all).toContain(`g.constraints = '{"scope": "all_accessible_projects"}'::jsonb`);
  });

  it("replaces only views carrying the marker and drops only those", () => {
    const { up, down } = renderViewsSql(reference);
    expect(up.match(/obj_description\(oid, 'pg_class'\) = 'created by hasura-token-sidecar'/g)).toHaveLength(2);
    expect(up.match(/COMMENT ON VIEW/g)).toHaveLength(2);
    expect(up).toContain("RAISE NOTICE");
    expect(up.indexOf("api_user_project_read_access")).toBeLessThan(up.indexOf("CREATE OR REPLACE VIEW \"public\".\"api_service_token_project_access\""));
    expect(down.indexOf("DROP VIEW \"public\".\"api_service_token_project_access\"")).toBeLessThan(down.indexOf("DROP VIEW \"public\".\"api_user_project_read_access\""));
  });

  it("quotes every hostile name, and picks a dollar-quote tag that no name contains", () => {
    const { up, down } = renderViewsSql(policyFrom(hostilePolicyText()));
    for (const sql of [up, down]) {
      let rest = sql;
      for (const name of [HOSTILE.users, HOSTILE.active, HOSTILE.project, HOSTILE.invite]) rest = rest.split(quoteIdentifier(name)).join("<name>");
      rest = rest.split(`'${HOSTILE.role.replace(/'/g, "''")}'`).join("<literal>");
      expect(rest).not.toContain("DROP TABLE");
      expect(rest).not.toContain("DELETE FROM");
      expect(rest).not.toContain("proj\nect");
    }
    expect(up).toContain('"users""; DROP TABLE users_user; --"');
    expect(up).toContain("'admin''); DROP TABLE users_user; --'");
    const tag = /^DO (\$[a-z_0-9]*\$)$/m.exec(up)?.[1] as string;
    expect(tag).toBe("$views_1$");
    expect(up.split(tag)).toHaveLength(3);
  });
});
