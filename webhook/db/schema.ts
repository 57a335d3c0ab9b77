// Kysely's view of the tables the sidecar reads or writes: Ghostwriter 7.0's `api_*` credential
// tables (owned by our migrations when standalone) and the few app tables whose rows decide an
// answer (users, memberships, projects, oplogs). Names and types are Ghostwriter's own.

import type { ColumnType, Generated } from "kysely";

/** bigint ids arrive as strings (pg's int8 rule, mirrored on PGlite), and are passed back as strings. */
type Id = string;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UsersUserTable {
  id: Generated<string>;
  password: string;
  last_login: Timestamp | null;
  is_superuser: boolean;
  username: string;
  email: string;
  is_staff: boolean;
  is_active: boolean;
  date_joined: Timestamp;
  name: string;
  phone: string | null;
  timezone: string;
  role: string;
  enable_finding_create: boolean;
  enable_finding_edit: boolean;
  enable_finding_delete: boolean;
  enable_observation_create: boolean;
  enable_observation_delete: boolean;
  enable_observation_edit: boolean;
  require_2fa: boolean;
}

export interface ApiApiKeyTable {
  id: Generated<string>;
  name: string;
  token: string;
  created: Timestamp;
  expiry_date: Timestamp | null;
  revoked: boolean;
  user_id: Id;
  identifier: string;
  secret_hash: string | null;
  token_prefix: string | null;
  last_used_at: Timestamp | null;
}

export interface ApiServicePrincipalTable {
  id: Generated<string>;
  name: string;
  service_type: string;
  created: Timestamp;
  active: boolean;
  created_by_id: Id;
}

export interface ApiServiceTokenTable {
  id: Generated<string>;
  name: string;
  token_prefix: string;
  secret_hash: string;
  created: Timestamp;
  expiry_date: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked: boolean;
  created_by_id: Id;
  service_principal_id: Id;
}

export interface ApiServiceTokenPermissionTable {
  id: Generated<string>;
  resource_type: string;
  resource_id: number | null;
  action: string;
  constraints: ColumnType<Record<string, unknown>, string, string>;
  token_id: Id;
}

export interface ApiUserSessionTable {
  id: Generated<string>;
  identifier: string;
  created: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_by_id: Id | null;
  user_id: Id;
}

export interface RolodexProjectTable {
  id: Generated<string>;
  codename: string;
  client_id: Id;
}

export interface RolodexProjectAssignmentTable {
  id: Generated<string>;
  operator_id: Id | null;
  project_id: Id;
}

export interface RolodexProjectInviteTable {
  id: Generated<string>;
  project_id: Id;
  user_id: Id;
}

export interface RolodexClientInviteTable {
  id: Generated<string>;
  client_id: Id;
  user_id: Id;
}

export interface OplogOplogTable {
  id: Generated<string>;
  name: string;
  project_id: Id | null;
}

export interface Database {
  users_user: UsersUserTable;
  api_apikey: ApiApiKeyTable;
  api_serviceprincipal: ApiServicePrincipalTable;
  api_servicetoken: ApiServiceTokenTable;
  api_servicetokenpermission: ApiServiceTokenPermissionTable;
  api_usersession: ApiUserSessionTable;
  rolodex_project: RolodexProjectTable;
  rolodex_projectassignment: RolodexProjectAssignmentTable;
  rolodex_projectinvite: RolodexProjectInviteTable;
  rolodex_clientinvite: RolodexClientInviteTable;
  oplog_oplog: OplogOplogTable;
}
