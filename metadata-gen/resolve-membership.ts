// Checks the tables and columns the access views are built from (project, users, membership
// grants) against what is known of them: the database when at hand, else the metadata.

import type { Columns } from "./columns";
import type { Catalog } from "./introspect";
import { qualified, type QualifiedName } from "./metadata";
import type { Policy } from "./policy";
import type { ProblemList } from "./problems";

export function checkMembership(policy: Policy, problems: ProblemList, columns: Columns, catalog: Catalog | undefined, tracked: ReadonlySet<string>): void {
  const { project, membership } = policy;
  const users = membership.users;
  const privileged = membership.privileged;
  const check = (table: QualifiedName, names: ReadonlyArray<string | undefined>, path: string) => {
    const name = qualified(table);
    if (name === qualified(policy.access.view) || name === qualified(policy.access.userView)) {
      problems.add(path, `${name} is one of the generated views; membership is read from the app's own tables`);
      return;
    }
    if (catalog && !catalog.columns.has(name)) {
      problems.add(path, `table ${name} does not exist in the database`);
      return;
    }
    const known = columns.of(name);
    for (const column of names) {
      if (column === undefined || column === "" || known.names.has(column)) continue;
      if (known.complete) problems.add(path, `no column ${JSON.stringify(column)} on ${name}`);
      else problems.unverified.add(`${name}.${column}`);
    }
    if (!catalog && !tracked.has(name)) problems.unverified.add(name);
  };
  check(project.table, [project.id, project.client], "project");
  check(users.table, [users.id, users.active], `${membership.path}.users`);
  check(users.table, [privileged.roleColumn, ...privileged.flags], `${membership.path}.privileged`);
  for (const grant of membership.grants) check(grant.table, [grant.user, grant.target], grant.path);
}
