// What each token may see, written from Ghostwriter 7.0's rules as plain SQL over the seeded rows —
// never from the policy, the generated metadata, the compiled filters or the access views:
//
// * a creator reads a project while active and privileged (role admin/manager, is_staff,
//   is_superuser), or invited to its client or to it, or assigned to it (Project.for_user);
// * a service token reads the selected projects it was granted that its creator still reads, or
//   every project its creator reads for the all-accessible scope (spec §4);
// * a project-scoped row is visible when the project it hangs off is; the oplog tables also when
//   the row is in the oplog of X-Hasura-Read-Oplog-Id; lookup and library tables always; a user
//   when active and linked by one of the policy's relationship branches to a visible row (§5.2);
// * the collab role sees severities, finding types, and the evidence of the report / finding it is
//   pinned to, in a project the user may read (7.0.2: privileged users included) (§6).
//
// Each expectation is a query returning `id` (the table's key column, as text).

import { sql, type Kysely, type RawBuilder } from "kysely";

export interface ServiceGrant {
  /** Project ids the token may read now. */
  readonly projects: readonly string[];
  /** X-Hasura-Read-Oplog-Id ("-1" for none). */
  readonly readOplog: string;
}

export interface ServiceExpectation {
  /** The column whose values are compared (default id). */
  readonly idColumn?: string;
  readonly rows: (g: ServiceGrant) => RawBuilder<{ id: string }>;
}

const inProjects = (column: RawBuilder<unknown>, g: ServiceGrant) => sql`${column} = ANY(${[...g.projects]}::bigint[])`;
const readOplog = (g: ServiceGrant) => sql`${g.readOplog}::bigint`;

/** Ids of rolodex_client rows with at least one visible project. */
const visibleClients = (g: ServiceGrant) => sql`SELECT p.client_id FROM rolodex_project p WHERE ${inProjects(sql`p.id`, g)}`;

/** Evidence whose report (directly, or through its finding) is in a visible project. */
const visibleEvidence = (g: ServiceGrant) => sql`
  SELECT e.id FROM reporting_evidence e
  LEFT JOIN reporting_report er ON er.id = e.report_id
  LEFT JOIN reporting_reportfindinglink f ON f.id = e.finding_id
  LEFT JOIN reporting_report fr ON fr.id = f.report_id
  WHERE ${inProjects(sql`er.project_id`, g)} OR ${inProjects(sql`fr.project_id`, g)}`;

const everyRow = (table: string) => () => sql<{ id: string }>`SELECT id::text AS id FROM ${sql.table(table)}`;

/** Rows whose own project_id column is visible. */
const byProjectColumn = (table: string) => (g: ServiceGrant) => sql<{ id: string }>`SELECT t.id::text AS id FROM ${sql.table(table)} t WHERE ${inProjects(sql`t.project_id`, g)}`;

/** Rows whose report is in a visible project. */
const byReport = (table: string) => (g: ServiceGrant) => sql<{ id: string }>`
  SELECT t.id::text AS id FROM ${sql.table(table)} t JOIN reporting_report r ON r.id = t.report_id WHERE ${inProjects(sql`r.project_id`, g)}`;

/** Oplog entries readable: in the read-oplog grant's oplog, or in an oplog of a visible project. */
const visibleEntries = (g: ServiceGrant) => sql`
  SELECT en.id FROM oplog_oplogentry en LEFT JOIN oplog_oplog o ON o.id = en.oplog_id_id
  WHERE en.oplog_id_id = ${readOplog(g)} OR ${inProjects(sql`o.project_id`, g)}`;

/** Entries of an oplog in a visible project (no read-oplog branch). */
const projectEntries = (g: ServiceGrant) => sql`
  SELECT en.id FROM oplog_oplogentry en JOIN oplog_oplog o ON o.id = en.oplog_id_id WHERE ${inProjects(sql`o.project_id`, g)}`;

/**
 * users_user: active users linked to a visible row by one of the policy's branches (assignments,
 * cloud servers, domain and server checkouts, last use of a domain / static server checked out
 * for a visible project (or whose checkout has a connection in one), evidence, project notes, the
 * project's operator, local finding notes, finding and observation assignments, reports). Client
 * notes, library finding notes, templates and recordings are not branches.
 */
const visibleUsers = (g: ServiceGrant) => sql<{ id: string }>`
  SELECT u.id::text AS id FROM users_user u WHERE u.is_active AND u.id IN (
    SELECT a.operator_id FROM rolodex_projectassignment a WHERE ${inProjects(sql`a.project_id`, g)}
    UNION SELECT t.operator_id FROM shepherd_transientserver t WHERE ${inProjects(sql`t.project_id`, g)}
    UNION SELECT h.operator_id FROM shepherd_history h WHERE ${inProjects(sql`h.project_id`, g)}
    UNION SELECT d.last_used_by_id FROM shepherd_domain d JOIN shepherd_history h ON h.domain_id = d.id WHERE ${inProjects(sql`h.project_id`, g)}
    UNION SELECT d.last_used_by_id FROM shepherd_domain d JOIN shepherd_history h ON h.domain_id = d.id
          JOIN shepherd_domainserverconnection c ON c.domain_id = h.id WHERE ${inProjects(sql`c.project_id`, g)}
    UNION SELECT e.uploaded_by_id FROM reporting_evidence e WHERE e.id IN (${visibleEvidence(g)})
    UNION SELECT n.operator_id FROM rolodex_projectnote n WHERE ${inProjects(sql`n.project_id`, g)}
    UNION SELECT p.operator_id FROM rolodex_project p WHERE ${inProjects(sql`p.id`, g)}
    UNION SELECT ln.operator_id FROM reporting_localfindingnote ln JOIN reporting_reportfindinglink f ON f.id = ln.finding_id
          JOIN reporting_report r ON r.id = f.report_id WHERE ${inProjects(sql`r.project_id`, g)}
    UNION SELECT f.assigned_to_id FROM reporting_reportfindinglink f JOIN reporting_report r ON r.id = f.report_id WHERE ${inProjects(sql`r.project_id`, g)}
    UNION SELECT o.assigned_to_id FROM reporting_reportobservationlink o JOIN reporting_report r ON r.id = o.report_id WHERE ${inProjects(sql`r.project_id`, g)}
    UNION SELECT r.created_by_id FROM reporting_report r WHERE ${inProjects(sql`r.project_id`, g)}
    UNION SELECT sh.operator_id FROM shepherd_serverhistory sh WHERE ${inProjects(sql`sh.project_id`, g)}
    UNION SELECT s.last_used_by_id FROM shepherd_staticserver s JOIN shepherd_serverhistory sh ON sh.server_id = s.id WHERE ${inProjects(sql`sh.project_id`, g)}
  )`;

/** One entry per table the service role may read. A table missing here fails the coverage test. */
export const SERVICE_EXPECTATIONS: Readonly<Record<string, ServiceExpectation>> = {
  "public.api_service_token_project_access": {
    idColumn: "project_id",
    rows: (g) => sql`SELECT p.id::text AS id FROM rolodex_project p WHERE ${inProjects(sql`p.id`, g)}`,
  },
  "public.rolodex_project": { rows: (g) => sql`SELECT p.id::text AS id FROM rolodex_project p WHERE ${inProjects(sql`p.id`, g)}` },
  "public.rolodex_projectnote": { rows: byProjectColumn("rolodex_projectnote") },
  "public.rolodex_projectassignment": { rows: byProjectColumn("rolodex_projectassignment") },
  "public.rolodex_projectobjective": { rows: byProjectColumn("rolodex_projectobjective") },
  "public.rolodex_projectscope": { rows: byProjectColumn("rolodex_projectscope") },
  "public.rolodex_projecttarget": { rows: byProjectColumn("rolodex_projecttarget") },
  "public.rolodex_projectsubtask": {
    rows: (g) => sql`SELECT s.id::text AS id FROM rolodex_projectsubtask s JOIN rolodex_projectobjective o ON o.id = s.parent_id WHERE ${inProjects(sql`o.project_id`, g)}`,
  },
  "public.shepherd_history": { rows: byProjectColumn("shepherd_history") },
  "public.shepherd_serverhistory": { rows: byProjectColumn("shepherd_serverhistory") },
  "public.shepherd_domainserverconnection": { rows: byProjectColumn("shepherd_domainserverconnection") },
  "public.shepherd_transientserver": { rows: byProjectColumn("shepherd_transientserver") },
  "public.reporting_archive": { rows: byProjectColumn("reporting_archive") },
  "public.rolodex_client": { rows: (g) => sql`SELECT c.id::text AS id FROM rolodex_client c WHERE c.id IN (${visibleClients(g)})` },
  "public.rolodex_clientcontact": { rows: (g) => sql`SELECT c.id::text AS id FROM rolodex_clientcontact c WHERE c.client_id IN (${visibleClients(g)})` },
  "public.rolodex_clientnote": { rows: (g) => sql`SELECT c.id::text AS id FROM rolodex_clientnote c WHERE c.client_id IN (${visibleClients(g)})` },
  "public.reporting_report": { rows: byProjectColumn("reporting_report") },
  "public.reporting_reportfindinglink": { rows: byReport("reporting_reportfindinglink") },
  "public.reporting_reportobservationlink": { rows: byReport("reporting_reportobservationlink") },
  "public.reporting_localfindingnote": {
    rows: (g) => sql`
      SELECT n.id::text AS id FROM reporting_localfindingnote n JOIN reporting_reportfindinglink f ON f.id = n.finding_id
      JOIN reporting_report r ON r.id = f.report_id WHERE ${inProjects(sql`r.project_id`, g)}`,
  },
  "public.reporting_evidence": { rows: (g) => sql`SELECT v.id::text AS id FROM (${visibleEvidence(g)}) v` },
  "public.reporting_reporttemplate": {
    rows: (g) => sql`SELECT t.id::text AS id FROM reporting_reporttemplate t WHERE t.client_id IS NULL OR t.client_id IN (${visibleClients(g)})`,
  },
  "public.oplog_oplog": {
    rows: (g) => sql`SELECT o.id::text AS id FROM oplog_oplog o WHERE o.id = ${readOplog(g)} OR ${inProjects(sql`o.project_id`, g)}`,
  },
  "public.oplog_oplogentry": { rows: (g) => sql`SELECT v.id::text AS id FROM (${visibleEntries(g)}) v` },
  "public.oplog_oplogentryrecording": {
    rows: (g) => sql`SELECT r.id::text AS id FROM oplog_oplogentryrecording r WHERE r.oplog_entry_id IN (${visibleEntries(g)})`,
  },
  "public.oplog_oplogentryevidence": {
    rows: (g) => sql`
      SELECT l.id::text AS id FROM oplog_oplogentryevidence l
      WHERE l.evidence_id IN (${visibleEvidence(g)}) AND l.oplog_entry_id IN (${projectEntries(g)})`,
  },
  "public.users_user": { rows: visibleUsers },
  // Lookup tables.
  "public.reporting_doctype": { rows: everyRow("reporting_doctype") },
  "public.reporting_findingtype": { rows: everyRow("reporting_findingtype") },
  "public.reporting_severity": { rows: everyRow("reporting_severity") },
  "public.rolodex_objectivepriority": { rows: everyRow("rolodex_objectivepriority") },
  "public.rolodex_objectivestatus": { rows: everyRow("rolodex_objectivestatus") },
  "public.rolodex_projectrole": { rows: everyRow("rolodex_projectrole") },
  "public.rolodex_projecttype": { rows: everyRow("rolodex_projecttype") },
  "public.shepherd_activitytype": { rows: everyRow("shepherd_activitytype") },
  "public.shepherd_domain": { rows: everyRow("shepherd_domain") },
  "public.shepherd_domainstatus": { rows: everyRow("shepherd_domainstatus") },
  "public.shepherd_healthstatus": { rows: everyRow("shepherd_healthstatus") },
  "public.shepherd_serverprovider": { rows: everyRow("shepherd_serverprovider") },
  "public.shepherd_serverrole": { rows: everyRow("shepherd_serverrole") },
  "public.shepherd_serverstatus": { rows: everyRow("shepherd_serverstatus") },
  "public.shepherd_staticserver": { rows: everyRow("shepherd_staticserver") },
  "public.shepherd_whoisstatus": { rows: everyRow("shepherd_whoisstatus") },
  // The finding and observation libraries.
  "public.reporting_finding": { rows: everyRow("reporting_finding") },
  "public.reporting_observation": { rows: everyRow("reporting_observation") },
  "public.reporting_findingnote": { rows: everyRow("reporting_findingnote") },
};

/** Tables the service role must never read (Ghostwriter §5.2 "No service select"). */
export const SERVICE_FORBIDDEN = ["public.django_q_task", "public.home_userprofile", "public.rolodex_clientinvite", "public.rolodex_projectinvite"] as const;

/**
 * Projects `userId` may read now, by Project.for_user — spelled out over the membership tables,
 * not through api_user_project_read_access.
 */
export function userReadableProjects(userId: string): RawBuilder<{ id: string }> {
  return sql`
    SELECT p.id::text AS id FROM rolodex_project p JOIN users_user u ON u.id = ${userId}::bigint
    WHERE u.is_active AND (
      u.role IN ('admin', 'manager') OR u.is_staff OR u.is_superuser
      OR EXISTS (SELECT 1 FROM rolodex_clientinvite ci WHERE ci.user_id = u.id AND ci.client_id = p.client_id)
      OR EXISTS (SELECT 1 FROM rolodex_projectinvite pi WHERE pi.user_id = u.id AND pi.project_id = p.id)
      OR EXISTS (SELECT 1 FROM rolodex_projectassignment pa WHERE pa.operator_id = u.id AND pa.project_id = p.id))`;
}

export async function projectsReadableBy(db: Kysely<any>, userId: string): Promise<string[]> {
  const { rows } = await userReadableProjects(userId).execute(db);
  return sortIds(rows.map((r) => r.id));
}

/** A token's current project reach: the selected ids its creator still reads, or all it reads. */
export async function grantedProjects(db: Kysely<any>, creatorId: string, selected: readonly string[] | "all"): Promise<string[]> {
  const readable = await projectsReadableBy(db, creatorId);
  return selected === "all" ? readable : readable.filter((id) => selected.includes(id));
}

export async function expectedServiceIds(db: Kysely<any>, table: string, grant: ServiceGrant): Promise<string[]> {
  const expectation = SERVICE_EXPECTATIONS[table];
  if (!expectation) throw new Error(`no expectation written for ${table}`);
  const { rows } = await expectation.rows(grant).execute(db);
  return sortIds(rows.map((r) => r.id));
}

// ---- collab ----

export interface CollabPin {
  readonly userId: string;
  /** X-Hasura-Collab-Report-Id / -Finding-Id ("-1" when not pinned). */
  readonly reportId: string;
  readonly findingId: string;
}

export const COLLAB_EXPECTATIONS: Readonly<Record<string, (pin: CollabPin) => RawBuilder<{ id: string }>>> = {
  "public.reporting_severity": () => sql`SELECT id::text AS id FROM reporting_severity`,
  "public.reporting_findingtype": () => sql`SELECT id::text AS id FROM reporting_findingtype`,
  // Evidence on the pinned report or the pinned finding, in a project the user may read.
  "public.reporting_evidence": (pin) => sql`
    SELECT e.id::text AS id FROM reporting_evidence e
    LEFT JOIN reporting_reportfindinglink f ON f.id = e.finding_id
    JOIN reporting_report r ON r.id = coalesce(e.report_id, f.report_id)
    WHERE (e.report_id = ${pin.reportId}::bigint OR e.finding_id = ${pin.findingId}::bigint)
      AND r.project_id::text IN (${userReadableProjects(pin.userId)})`,
};

export async function expectedCollabIds(db: Kysely<any>, table: string, pin: CollabPin): Promise<string[]> {
  const expectation = COLLAB_EXPECTATIONS[table];
  if (!expectation) throw new Error(`no collab expectation written for ${table}`);
  const { rows } = await expectation(pin).execute(db);
  return sortIds(rows.map((r) => r.id));
}

export function sortIds(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));
}
