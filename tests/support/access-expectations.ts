// What `token-sidecar access` should print for a service token, computed without the evaluator:
// the visible rows come from the row-isolation expectations (Ghostwriter's rules as plain SQL over
// the seed), and the projects / oplogs those rows belong to from the seed's own foreign keys,
// spelled out per table below. Only tables with one obvious owning project are listed; the report
// test checks the rest of the tables by row count alone.

import { sql, type Kysely, type RawBuilder } from "kysely";
import { expectedServiceIds, sortIds, type ServiceGrant } from "../integration/row-isolation/expectations";

interface Owners {
  /** The project of row `t`, or null when the table has no project. */
  readonly project: RawBuilder<unknown> | null;
  /** The oplog of row `t`, or null when the table has no oplog. */
  readonly oplog: RawBuilder<unknown> | null;
}

const entryProject = sql`(SELECT o.project_id FROM oplog_oplog o WHERE o.id = t.oplog_id_id)`;
const recordingOplog = sql`(SELECT e.oplog_id_id FROM oplog_oplogentry e WHERE e.id = t.oplog_entry_id)`;

/** Tables whose owners the seed makes unambiguous (a lookup table belongs to no project). */
export const OWNERS: Readonly<Record<string, Owners>> = {
  "public.rolodex_project": { project: sql`t.id`, oplog: null },
  "public.rolodex_projectnote": { project: sql`t.project_id`, oplog: null },
  "public.rolodex_projectsubtask": { project: sql`(SELECT o.project_id FROM rolodex_projectobjective o WHERE o.id = t.parent_id)`, oplog: null },
  "public.reporting_report": { project: sql`t.project_id`, oplog: null },
  "public.reporting_reportfindinglink": { project: sql`(SELECT r.project_id FROM reporting_report r WHERE r.id = t.report_id)`, oplog: null },
  "public.oplog_oplog": { project: sql`t.project_id`, oplog: sql`t.id` },
  "public.oplog_oplogentry": { project: entryProject, oplog: sql`t.oplog_id_id` },
  "public.oplog_oplogentryrecording": { project: sql`(SELECT o.project_id FROM oplog_oplog o WHERE o.id = ${recordingOplog})`, oplog: recordingOplog },
  "public.reporting_severity": { project: null, oplog: null },
  "public.shepherd_domain": { project: null, oplog: null },
};

export interface ExpectedTable {
  readonly rows: number;
  readonly projects?: readonly string[] | null;
  readonly oplogs?: readonly string[] | null;
}

async function distinctOwners(db: Kysely<any>, table: string, ids: readonly string[], owner: RawBuilder<unknown> | null): Promise<string[] | null> {
  if (owner === null) return null;
  const { rows } = await sql<{ id: string }>`
    SELECT DISTINCT (${owner})::text AS id FROM ${sql.table(table.replace(/^public\./, ""))} t
    WHERE t.id = ANY(${[...ids]}::bigint[]) AND (${owner}) IS NOT NULL`.execute(db);
  return sortIds(rows.map((r) => r.id));
}

/** Per readable table: the row count, and for the tables in OWNERS the owning projects and oplogs. */
export async function expectedTables(db: Kysely<any>, tables: readonly string[], grant: ServiceGrant): Promise<Record<string, ExpectedTable>> {
  const expected: Record<string, ExpectedTable> = {};
  for (const table of tables) {
    const ids = await expectedServiceIds(db, table, grant);
    const owners = OWNERS[table];
    expected[table] = owners
      ? { rows: ids.length, projects: await distinctOwners(db, table, ids, owners.project), oplogs: await distinctOwners(db, table, ids, owners.oplog) }
      : { rows: ids.length };
  }
  return expected;
}
