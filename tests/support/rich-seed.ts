// A rich Ghostwriter world for row-isolation and access-report tests: five projects over four
// clients (two share one, one client has none), every project-scoped table filled per project,
// rows that belong to no project at all (orphans: they must be invisible to every token), lookup
// and library rows, users of every kind of membership, and for each project one "link user" per
// users_user relationship branch (each linked to that project by that one column only, so a
// missing or extra branch in a filter changes exactly one user's visibility).
//
//   const world = await seedRichWorld(db);                 // rows only
//   const tokens = await mintRichTokens(db, world);       // real credentials through the lifecycle code
//   await applyTokenFates(db, world, tokens);              // revoke, expire, deactivate, lose access
//
// Ids are returned as strings. Nothing here computes what a token may see: tests do that.

import { sql, type Kysely } from "kysely";
import type { Database } from "../../webhook/db/schema";
import { loadConfig } from "../../webhook/config";
import { lifecycleContext, type LifecycleContext } from "../../webhook/lifecycle/context";
import { createServiceToken, deactivatePrincipal, revokeServiceToken, type ScopeRequest } from "../../webhook/lifecycle/service-tokens";
import { createApiToken } from "../../webhook/lifecycle/api-tokens";
import { assignToProject, insertUser, inviteToClient, inviteToProject, uniqueName } from "./seed";

type Db = Kysely<any>;

export const RICH_JWT_SECRET = "row-isolation-secret-0123456789abcdef0123456789";

/** Environment for loadConfig / the CLI: cheap Argon2 for new hashes, a JWT secret, no logs. */
export const RICH_ENV: Record<string, string> = {
  JWT_SECRET: RICH_JWT_SECRET,
  ARGON2_MEMORY_KIB: "8192",
  ARGON2_TIME_COST: "1",
  ARGON2_PARALLELISM: "1",
  LOG_LEVEL: "silent",
};

export const PROJECT_KEYS = ["alpha", "bravo", "charlie", "delta", "echo"] as const;
export type ProjectKey = (typeof PROJECT_KEYS)[number];
export const CLIENT_KEYS = ["acme", "globex", "initech", "umbrella"] as const;
export type ClientKey = (typeof CLIENT_KEYS)[number];
/** Which client each project belongs to (acme and globex have two projects; umbrella none). */
export const PROJECT_CLIENT: Record<ProjectKey, ClientKey> = { alpha: "acme", bravo: "acme", charlie: "globex", delta: "initech", echo: "globex" };

export const OPLOG_KEYS = ["alphaLog1", "alphaLog2", "bravoLog", "charlieLog", "deltaLog", "echoLog", "orphanLog"] as const;
export type OplogKey = (typeof OPLOG_KEYS)[number];
export const OPLOG_PROJECT: Record<OplogKey, ProjectKey | null> = {
  alphaLog1: "alpha", alphaLog2: "alpha", bravoLog: "bravo", charlieLog: "charlie", deltaLog: "delta", echoLog: "echo", orphanLog: null,
};

/**
 * The users_user relationship branches of the service filter (and a few columns that are NOT a
 * branch: a user linked only through them must stay invisible).
 */
export const LINK_KINDS = [
  "projectOperator", // rolodex_project.operator_id            (projects)
  "noteAuthor", // rolodex_projectnote.operator_id              (projectNotes)
  "cloudOperator", // shepherd_transientserver.operator_id      (cloudServers)
  "domainCheckout", // shepherd_history.operator_id             (domainCheckouts)
  "domainLastUsed", // shepherd_domain.last_used_by_id, checkout in the project   (domains.checkouts)
  "dscDomainLastUsed", // shepherd_domain.last_used_by_id, checkout without project but a connection in it (domains.checkouts.domainServerConnections)
  "reportEvidence", // reporting_evidence.uploaded_by_id on a report      (evidences.report)
  "findingEvidence", // reporting_evidence.uploaded_by_id on a finding    (evidences.finding)
  "localNote", // reporting_localfindingnote.operator_id        (reportedFindingNotes)
  "findingAssignee", // reporting_reportfindinglink.assigned_to_id   (reportedFindings)
  "observationAssignee", // reporting_reportobservationlink.assigned_to_id (reportedObservations)
  "reportCreator", // reporting_report.created_by_id             (reports)
  "serverCheckout", // shepherd_serverhistory.operator_id       (serverCheckouts)
  "serverLastUsed", // shepherd_staticserver.last_used_by_id    (servers.checkouts)
  "recordingUploader", // oplog_oplogentryrecording.uploaded_by_id: not a branch
  "inactiveNoteAuthor", // an inactive user on a project note: never visible
] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

export const USER_KEYS = [
  "alice", // assigned alpha, bravo; invited to project charlie: creator of most tokens
  "dave", // assigned delta; invited to client globex (charlie, echo)
  "mia", // manager: privileged
  "lena", // assigned alpha, charlie; loses charlie
  "ian", // assigned bravo; made inactive
  "pat", // assigned echo; her principal is deactivated
  "olga", // assigned charlie; loses it (her tokens die)
  "staff", // role user, is_staff: privileged
  "root", // role user, is_superuser: privileged
  "admin", // role admin
  "outsider", // no access anywhere
  "projectInvitee", // invited to project alpha
  "clientInvitee", // invited to client acme (alpha, bravo)
  "former", // inactive, assigned to alpha
  "clientNoteAuthor", // operator of client notes only (clientNotes is not a branch)
  "templateUploader", // uploaded report templates only (not a branch)
  "libraryNoteAuthor", // operator of library finding notes only (not a branch)
] as const;
export type UserKey = (typeof USER_KEYS)[number];

export interface ProjectRows {
  readonly id: string;
  readonly clientId: string;
  readonly reports: readonly [string, string];
  /** Report finding links: [report1 f1, report1 f2, report2 f3]. */
  readonly findings: readonly [string, string, string];
  /** Evidence: on report1, on finding f1, on finding f3, on report2. */
  readonly evidence: { readonly report1: string; readonly finding1: string; readonly finding3: string; readonly report2: string };
}

export interface RichWorld {
  readonly users: Record<UserKey, string>;
  readonly usernames: Record<UserKey, string>;
  readonly links: Record<ProjectKey, Record<LinkKind, string>>;
  readonly clients: Record<ClientKey, string>;
  readonly projects: Record<ProjectKey, ProjectRows>;
  readonly oplogs: Record<OplogKey, string>;
  /** Entries per oplog (the null-oplog entry is under `orphanEntry`). */
  readonly entries: Record<OplogKey, readonly string[]>;
  readonly orphanEntry: string;
  readonly lifecycle: LifecycleContext;
}

async function insert(db: Db, table: string, values: Record<string, unknown>): Promise<string> {
  const row = await db.insertInto(table).values(values).returning(sql<string>`id::text`.as("id")).executeTakeFirstOrThrow();
  return (row as { id: string }).id;
}

async function lookups(db: Db) {
  const many = async (table: string, rows: Record<string, unknown>[]) => {
    const ids: string[] = [];
    for (const row of rows) ids.push(await insert(db, table, row));
    return ids;
  };
  return {
    projectTypes: await many("rolodex_projecttype", [{ project_type: "Red Team" }, { project_type: "Pentest" }]),
    projectRoles: await many("rolodex_projectrole", [{ project_role: "Lead", position: 1 }, { project_role: "Operator", position: 2 }]),
    objectiveStatuses: await many("rolodex_objectivestatus", [{ objective_status: "Active" }, { objective_status: "Done" }]),
    objectivePriorities: await many("rolodex_objectivepriority", [{ weight: 1, priority: "High" }, { weight: 2, priority: "Low" }]),
    docTypes: await many("reporting_doctype", [{ doc_type: "docx", extension: "docx", name: "Word" }, { doc_type: "pptx", extension: "pptx", name: "PowerPoint" }]),
    severities: await many("reporting_severity", [
      { severity: "Critical", weight: 1, color: "966FD6" },
      { severity: "High", weight: 2, color: "FF7E79" },
      { severity: "Low", weight: 3, color: "A3FF79" },
    ]),
    findingTypes: await many("reporting_findingtype", [{ finding_type: "Network" }, { finding_type: "Web" }]),
    activityTypes: await many("shepherd_activitytype", [{ activity: "Command and Control" }, { activity: "Phishing" }]),
    domainStatuses: await many("shepherd_domainstatus", [{ domain_status: "Available" }, { domain_status: "Unavailable" }]),
    whoisStatuses: await many("shepherd_whoisstatus", [{ whois_status: "Enabled" }, { whois_status: "Disabled" }]),
    healthStatuses: await many("shepherd_healthstatus", [{ health_status: "Healthy" }, { health_status: "Burned" }]),
    serverStatuses: await many("shepherd_serverstatus", [{ server_status: "Available" }, { server_status: "Unavailable" }]),
    serverProviders: await many("shepherd_serverprovider", [{ server_provider: "AWS" }, { server_provider: "Azure" }]),
    serverRoles: await many("shepherd_serverrole", [{ server_role: "Team Server" }, { server_role: "Redirector" }]),
  };
}

type Lookups = Awaited<ReturnType<typeof lookups>>;
const first = (ids: readonly string[]): string => ids[0] as string;

let ipCounter = 0;
function nextIp(): string {
  ipCounter += 1;
  return `10.${Math.floor(ipCounter / 250) % 250}.${ipCounter % 250}.${1 + (ipCounter % 200)}`;
}

function template(values: { name: string; clientId: string | null; uploadedBy: string | null; docType: string }): Record<string, unknown> {
  return {
    document: `templates/${values.name}.docx`, name: values.name, description: "", client_id: values.clientId, uploaded_by_id: values.uploadedBy,
    doc_type_id: values.docType, landscape: false, filename_override: "", bloodhound_heading_offset: 0, contains_bloodhound_data: false,
    evidence_image_alignment: "center",
  };
}

async function seedProject(db: Db, l: Lookups, key: ProjectKey, clientId: string, link: Record<LinkKind, string>): Promise<ProjectRows> {
  const id = await insert(db, "rolodex_project", {
    codename: uniqueName(key), start_date: "2026-01-01", end_date: "2026-02-01", client_id: clientId, operator_id: link.projectOperator,
    project_type_id: first(l.projectTypes), timezone: "UTC", bloodhound_api_key_id: `bh-id-${key}`, bloodhound_api_key_token: `bh-secret-${key}`,
  });
  await insert(db, "rolodex_projectnote", { note: `${key} note`, operator_id: link.noteAuthor, project_id: id });
  await insert(db, "rolodex_projectnote", { note: `${key} anonymous note`, operator_id: null, project_id: id });
  await insert(db, "rolodex_projectnote", { note: `${key} note by a former user`, operator_id: link.inactiveNoteAuthor, project_id: id });
  for (const n of [1, 2]) {
    const objective = await insert(db, "rolodex_projectobjective", {
      objective: `${key} objective ${n}`, project_id: id, status_id: first(l.objectiveStatuses), priority_id: first(l.objectivePriorities), result: "",
    });
    for (let s = 0; s < n; s += 1) await insert(db, "rolodex_projectsubtask", { task: `${key} task ${n}.${s}`, parent_id: objective, status_id: first(l.objectiveStatuses) });
  }
  await insert(db, "rolodex_projecttarget", { ip_address: nextIp(), hostname: `${key}.target`, project_id: id });
  await insert(db, "rolodex_projectscope", { name: `${key} scope`, scope: "10.0.0.0/8", project_id: id });
  await insert(db, "rolodex_projectscope", { name: `${key} scope 2`, scope: "example.test", project_id: id });

  const report1 = await insert(db, "reporting_report", { title: `${key} report 1`, project_id: id, created_by_id: link.reportCreator });
  const report2 = await insert(db, "reporting_report", { title: `${key} report 2`, project_id: id, created_by_id: null });
  const finding = (report: string, title: string, assignee: string | null) =>
    insert(db, "reporting_reportfindinglink", { title, report_id: report, assigned_to_id: assignee, finding_type_id: first(l.findingTypes), severity_id: first(l.severities) });
  const f1 = await finding(report1, `${key} finding 1`, link.findingAssignee);
  const f2 = await finding(report1, `${key} finding 2`, null);
  const f3 = await finding(report2, `${key} finding 3`, null);
  await insert(db, "reporting_reportobservationlink", { title: `${key} obs 1`, position: 1, added_as_blank: false, complete: false, report_id: report1, assigned_to_id: link.observationAssignee });
  await insert(db, "reporting_reportobservationlink", { title: `${key} obs 2`, position: 2, added_as_blank: false, complete: false, report_id: report2, assigned_to_id: null });
  await insert(db, "reporting_localfindingnote", { note: `${key} f1 note`, finding_id: f1, operator_id: link.localNote });
  await insert(db, "reporting_localfindingnote", { note: `${key} f3 note`, finding_id: f3, operator_id: null });
  const evidence = (values: { report?: string; finding?: string; by: string | null; name: string }) =>
    insert(db, "reporting_evidence", {
      document: `evidence/${values.name}.png`, friendly_name: values.name, caption: values.name, description: "",
      report_id: values.report ?? null, finding_id: values.finding ?? null, uploaded_by_id: values.by,
    });
  const ev = {
    report1: await evidence({ report: report1, by: link.reportEvidence, name: `${key}-r1` }),
    finding1: await evidence({ finding: f1, by: link.findingEvidence, name: `${key}-f1` }),
    finding3: await evidence({ finding: f3, by: null, name: `${key}-f3` }),
    report2: await evidence({ report: report2, by: null, name: `${key}-r2` }),
  };
  await insert(db, "reporting_archive", { report_archive: `archives/${key}.zip`, project_id: id });

  // Shepherd: a domain checked out for the project, a static server checked out for it, a cloud
  // server, their connections, and a domain whose checkout has no project but a connection here.
  const domain = await insert(db, "shepherd_domain", {
    name: `${key}-${uniqueName("d")}.example`, creation: "2025-01-01", expiration: "2027-01-01", domain_status_id: first(l.domainStatuses),
    health_status_id: first(l.healthStatuses), whois_status_id: first(l.whoisStatuses), last_used_by_id: link.domainLastUsed,
  });
  const checkout = await insert(db, "shepherd_history", {
    start_date: "2026-01-01", end_date: "2026-02-01", activity_type_id: first(l.activityTypes), client_id: clientId, domain_id: domain,
    operator_id: link.domainCheckout, project_id: id,
  });
  const server = await insert(db, "shepherd_staticserver", {
    ip_address: nextIp(), name: `${key}-server`, last_used_by_id: link.serverLastUsed, server_provider_id: first(l.serverProviders), server_status_id: first(l.serverStatuses),
  });
  const serverCheckout = await insert(db, "shepherd_serverhistory", {
    start_date: "2026-01-01", end_date: "2026-02-01", activity_type_id: first(l.activityTypes), client_id: clientId, operator_id: link.serverCheckout,
    project_id: id, server_id: server, server_role_id: first(l.serverRoles),
  });
  const cloud = await insert(db, "shepherd_transientserver", {
    ip_address: nextIp(), name: `${key}-cloud`, activity_type_id: first(l.activityTypes), operator_id: link.cloudOperator, project_id: id,
    server_provider_id: first(l.serverProviders), server_role_id: first(l.serverRoles),
  });
  await insert(db, "shepherd_domainserverconnection", { domain_id: checkout, project_id: id, static_server_id: serverCheckout, transient_server_id: null });
  await insert(db, "shepherd_domainserverconnection", { domain_id: checkout, project_id: id, static_server_id: null, transient_server_id: cloud });
  const dscDomain = await insert(db, "shepherd_domain", {
    name: `${key}-${uniqueName("dsc")}.example`, creation: "2025-01-01", expiration: "2027-01-01", domain_status_id: first(l.domainStatuses),
    health_status_id: first(l.healthStatuses), whois_status_id: first(l.whoisStatuses), last_used_by_id: link.dscDomainLastUsed,
  });
  const projectlessCheckout = await insert(db, "shepherd_history", {
    start_date: "2026-01-01", end_date: "2026-02-01", activity_type_id: first(l.activityTypes), client_id: clientId, domain_id: dscDomain, operator_id: null, project_id: null,
  });
  await insert(db, "shepherd_domainserverconnection", { domain_id: projectlessCheckout, project_id: id, static_server_id: serverCheckout, transient_server_id: null });

  return { id, clientId, reports: [report1, report2], findings: [f1, f2, f3], evidence: ev };
}

export async function seedRichWorld(db: Kysely<Database>): Promise<RichWorld> {
  const l = await lookups(db);
  const users = {} as Record<UserKey, string>;
  const usernames = {} as Record<UserKey, string>;
  for (const key of USER_KEYS) {
    const username = uniqueName(key);
    const options =
      key === "mia" ? { role: "manager" } : key === "admin" ? { role: "admin" } : key === "staff" ? { isStaff: true } : key === "root" ? { isSuperuser: true } : key === "former" ? { isActive: false } : {};
    users[key] = (await insertUser(db, { username, ...options })).id;
    usernames[key] = username;
  }
  const clients = {} as Record<ClientKey, string>;
  for (const key of CLIENT_KEYS) clients[key] = await insert(db, "rolodex_client", { name: uniqueName(key), timezone: "UTC" });
  for (const key of CLIENT_KEYS) {
    await insert(db, "rolodex_clientcontact", { name: `${key} contact`, client_id: clients[key], primary: true });
    await insert(db, "rolodex_clientcontact", { name: `${key} contact 2`, client_id: clients[key], primary: false });
    await insert(db, "rolodex_clientnote", { note: `${key} note`, client_id: clients[key], operator_id: users.clientNoteAuthor });
  }

  const links = {} as Record<ProjectKey, Record<LinkKind, string>>;
  const projects = {} as Record<ProjectKey, ProjectRows>;
  for (const key of PROJECT_KEYS) {
    const link = {} as Record<LinkKind, string>;
    for (const kind of LINK_KINDS) link[kind] = (await insertUser(db, { username: uniqueName(`${key}-${kind}`), isActive: kind !== "inactiveNoteAuthor" })).id;
    links[key] = link;
    projects[key] = await seedProject(db, l, key, clients[PROJECT_CLIENT[key]], link);
  }

  // Memberships (Ghostwriter's Project.for_user inputs).
  const assign = (user: UserKey, project: ProjectKey) => assignToProject(db, { userId: users[user], projectId: projects[project].id });
  await assign("alice", "alpha");
  await assign("alice", "bravo");
  await inviteToProject(db, { userId: users.alice, projectId: projects.charlie.id });
  await assign("dave", "delta");
  await inviteToClient(db, { userId: users.dave, clientId: clients.globex });
  await assign("lena", "alpha");
  await assign("lena", "charlie");
  await assign("ian", "bravo");
  await assign("pat", "echo");
  await assign("olga", "charlie");
  await assign("former", "alpha");
  await inviteToProject(db, { userId: users.projectInvitee, projectId: projects.alpha.id });
  await inviteToClient(db, { userId: users.clientInvitee, clientId: clients.acme });

  // Oplogs: two in alpha, one per other project, one without a project; three entries each,
  // recordings on the first two, and an entry that belongs to no oplog.
  const oplogs = {} as Record<OplogKey, string>;
  const entries = {} as Record<OplogKey, string[]>;
  for (const key of OPLOG_KEYS) {
    const project = OPLOG_PROJECT[key];
    oplogs[key] = await insert(db, "oplog_oplog", { name: uniqueName(key), project_id: project === null ? null : projects[project].id, mute_notifications: false });
    entries[key] = [];
    for (const n of [1, 2, 3]) {
      const entry = await insert(db, "oplog_oplogentry", { oplog_id_id: oplogs[key], command: `${key} command ${n}`, tool: "beacon", entry_identifier: uniqueName("entry") });
      entries[key].push(entry);
      if (n < 3) {
        await insert(db, "oplog_oplogentryrecording", {
          recording_file: `recordings/${key}-${n}.cast`, uploaded_date: "2026-01-02T00:00:00Z", oplog_entry_id: entry, recording_text: "",
          uploaded_by_id: project === null ? null : links[project].recordingUploader,
        });
      }
    }
  }
  const orphanEntry = await insert(db, "oplog_oplogentry", { oplog_id_id: null, command: "no oplog", entry_identifier: uniqueName("entry") });
  await insert(db, "oplog_oplogentryrecording", { recording_file: "recordings/orphan.cast", uploaded_date: "2026-01-02T00:00:00Z", oplog_entry_id: orphanEntry, recording_text: "" });

  // Entry-evidence links: within a project, across two projects, and from a project-less oplog.
  const link = (entry: string | undefined, evidence: string) => insert(db, "oplog_oplogentryevidence", { oplog_entry_id: entry, evidence_id: evidence });
  for (const key of OPLOG_KEYS) {
    const project = OPLOG_PROJECT[key];
    if (project === null) continue;
    await link(entries[key][0], projects[project].evidence.report1);
    await link(entries[key][1], projects[project].evidence.finding1);
  }
  await link(entries.alphaLog1[2], projects.bravo.evidence.report1);
  await link(entries.charlieLog[2], projects.alpha.evidence.finding3);
  await link(entries.orphanLog[0], projects.alpha.evidence.report2);

  // Rows that belong to no project.
  const unfiled = await insert(db, "reporting_reportfindinglink", { title: "unfiled finding", report_id: null, finding_type_id: first(l.findingTypes), severity_id: first(l.severities) });
  await insert(db, "reporting_localfindingnote", { note: "unfiled note", finding_id: unfiled, operator_id: null });
  await insert(db, "reporting_evidence", { document: "evidence/unfiled.png", caption: "unfiled", description: "", finding_id: unfiled, report_id: null });
  await insert(db, "reporting_reportobservationlink", { title: "unfiled observation", position: 1, added_as_blank: false, complete: false, report_id: null });
  await insert(db, "reporting_archive", { report_archive: "archives/unfiled.zip", project_id: null });
  const spareServer = await insert(db, "shepherd_staticserver", { ip_address: nextIp(), name: "spare", server_provider_id: first(l.serverProviders), server_status_id: first(l.serverStatuses) });
  await insert(db, "shepherd_serverhistory", {
    start_date: "2026-01-01", end_date: "2026-02-01", activity_type_id: first(l.activityTypes), client_id: clients.umbrella, project_id: null, server_id: spareServer, server_role_id: first(l.serverRoles),
  });
  await insert(db, "shepherd_transientserver", { ip_address: nextIp(), name: "spare-cloud", activity_type_id: first(l.activityTypes), project_id: null, server_role_id: first(l.serverRoles) });
  await insert(db, "shepherd_domain", {
    name: `${uniqueName("idle")}.example`, creation: "2025-01-01", expiration: "2027-01-01", domain_status_id: first(l.domainStatuses),
    health_status_id: first(l.healthStatuses), whois_status_id: first(l.whoisStatuses),
  });

  // Report templates: two global, one per client (umbrella's has no project behind it).
  await insert(db, "reporting_reporttemplate", template({ name: "global-1", clientId: null, uploadedBy: users.templateUploader, docType: first(l.docTypes) }));
  await insert(db, "reporting_reporttemplate", template({ name: "global-2", clientId: null, uploadedBy: null, docType: l.docTypes[1] as string }));
  for (const key of CLIENT_KEYS) await insert(db, "reporting_reporttemplate", template({ name: `${key}-template`, clientId: clients[key], uploadedBy: users.templateUploader, docType: first(l.docTypes) }));

  // The finding and observation libraries.
  for (const n of [1, 2, 3]) {
    const libraryFinding = await insert(db, "reporting_finding", { title: `library finding ${n}`, finding_type_id: first(l.findingTypes), severity_id: first(l.severities) });
    if (n < 3) await insert(db, "reporting_findingnote", { note: `library note ${n}`, finding_id: libraryFinding, operator_id: users.libraryNoteAuthor });
  }
  for (const n of [1, 2]) await insert(db, "reporting_observation", { title: `library observation ${n}` });

  const lifecycle = lifecycleContext(db, loadConfig(RICH_ENV, { purpose: "cli" }));
  return { users, usernames, links, clients, projects, oplogs, entries, orphanEntry, lifecycle };
}

// ---- tokens ----

export const LIVE_TOKEN_KEYS = ["oplogRw", "oplogRead", "projectOne", "projectSeveral", "allMember", "allPrivileged", "mixed", "lostProject"] as const;
export type LiveTokenKey = (typeof LIVE_TOKEN_KEYS)[number];
export const DEAD_TOKEN_KEYS = ["revoked", "expired", "inactiveCreator", "deactivatedPrincipal", "lostAll", "oplogProjectLost"] as const;
export type DeadTokenKey = (typeof DEAD_TOKEN_KEYS)[number];
export type TokenKey = LiveTokenKey | DeadTokenKey;

/**
 * What each token was minted with, as Ghostwriter's form would record it. `projects: "all"` is the
 * all-accessible scope. The fate is applied afterwards by applyTokenFates.
 */
export interface TokenPlan {
  readonly creator: UserKey;
  readonly projects: readonly ProjectKey[] | "all";
  /** Oplog read grant. */
  readonly readOplog?: OplogKey;
  /** Create/update/delete grants (oplog_rw). */
  readonly writeOplog?: OplogKey;
  readonly fate?: "revoke" | "expire" | "deactivateCreator" | "deactivatePrincipal" | "creatorLosesCharlie";
}

export const TOKEN_PLANS: Record<TokenKey, TokenPlan> = {
  oplogRw: { creator: "alice", projects: [], readOplog: "alphaLog1", writeOplog: "alphaLog1" },
  oplogRead: { creator: "alice", projects: [], readOplog: "bravoLog" },
  projectOne: { creator: "alice", projects: ["alpha"] },
  projectSeveral: { creator: "alice", projects: ["alpha", "charlie"] },
  allMember: { creator: "dave", projects: "all" },
  allPrivileged: { creator: "mia", projects: "all" },
  mixed: { creator: "alice", projects: ["bravo"], readOplog: "charlieLog" },
  lostProject: { creator: "lena", projects: ["alpha", "charlie"], fate: "creatorLosesCharlie" },
  revoked: { creator: "alice", projects: ["alpha"], readOplog: "alphaLog1", fate: "revoke" },
  expired: { creator: "alice", projects: ["alpha", "bravo"], fate: "expire" },
  inactiveCreator: { creator: "ian", projects: ["bravo"], fate: "deactivateCreator" },
  deactivatedPrincipal: { creator: "pat", projects: "all", fate: "deactivatePrincipal" },
  lostAll: { creator: "olga", projects: ["charlie"], fate: "creatorLosesCharlie" },
  oplogProjectLost: { creator: "olga", projects: [], readOplog: "charlieLog", writeOplog: "charlieLog", fate: "creatorLosesCharlie" },
};

export interface MintedToken {
  readonly key: TokenKey;
  readonly token: string;
  readonly id: string;
  readonly principalId: string;
}

function scopeOf(world: RichWorld, plan: TokenPlan): ScopeRequest {
  if (plan.writeOplog && plan.readOplog === plan.writeOplog && plan.projects !== "all" && plan.projects.length === 0) {
    return { preset: "oplog_rw", oplogId: world.oplogs[plan.writeOplog] };
  }
  if (plan.projects === "all" && !plan.readOplog) return { preset: "project_read", allAccessible: true };
  if (plan.projects !== "all" && plan.projects.length > 0 && !plan.readOplog) return { preset: "project_read", projectIds: plan.projects.map((p) => world.projects[p].id) };
  const grants = [
    ...(plan.projects === "all" ? ["project:all:read"] : plan.projects.map((p) => `project:${world.projects[p].id}:read`)),
    ...(plan.readOplog ? [`oplog:${world.oplogs[plan.readOplog]}:read`] : []),
  ];
  return { preset: "custom", grants };
}

export async function mintRichTokens(world: RichWorld, keys: readonly TokenKey[] = [...LIVE_TOKEN_KEYS, ...DEAD_TOKEN_KEYS]): Promise<Record<TokenKey, MintedToken>> {
  const minted = {} as Record<TokenKey, MintedToken>;
  for (const key of keys) {
    const plan = TOKEN_PLANS[key];
    const created = await createServiceToken(world.lifecycle, {
      creator: world.users[plan.creator],
      name: `${key} token`,
      expires: "30d",
      newPrincipalName: uniqueName(`${key}-principal`),
      scope: scopeOf(world, plan),
    });
    minted[key] = { key, token: created.token, id: created.record.id, principalId: created.record.principal.id };
  }
  return minted;
}

/** A user API token (gwat_) for a user. */
export async function mintApiToken(world: RichWorld, user: UserKey): Promise<{ token: string; id: string }> {
  const issued = await createApiToken(world.lifecycle, { user: world.users[user], name: `${user} laptop`, expires: "30d" });
  return { token: issued.token, id: issued.record.id };
}

/**
 * Makes each token's fate happen the way it would in Ghostwriter: revocation and principal
 * deactivation through the lifecycle code, expiry and lost access as the database rows they are.
 */
export async function applyTokenFates(db: Kysely<Database>, world: RichWorld, tokens: Partial<Record<TokenKey, MintedToken>>): Promise<void> {
  const losing = new Set<UserKey>();
  for (const [key, token] of Object.entries(tokens) as [TokenKey, MintedToken][]) {
    const plan = TOKEN_PLANS[key];
    if (plan.fate === "revoke") await revokeServiceToken(world.lifecycle, token.id);
    if (plan.fate === "expire") await sql`UPDATE api_servicetoken SET expiry_date = now() - interval '1 day' WHERE id = ${token.id}::bigint`.execute(db);
    if (plan.fate === "deactivateCreator") await sql`UPDATE users_user SET is_active = false WHERE id = ${world.users[plan.creator]}::bigint`.execute(db);
    if (plan.fate === "deactivatePrincipal") await deactivatePrincipal(world.lifecycle, token.principalId);
    if (plan.fate === "creatorLosesCharlie") losing.add(plan.creator);
  }
  for (const user of losing) {
    await sql`DELETE FROM rolodex_projectassignment WHERE operator_id = ${world.users[user]}::bigint AND project_id = ${world.projects.charlie.id}::bigint`.execute(db);
  }
}
