// Helpers for the metadata generator's tests: scratch copies of the reference Hasura project (or of a
// fixture), the generated parts stripped back out of a copy, in-process CLI runs, and a parsed view
// of a metadata directory.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { load } from "js-yaml";
import { bufferIo } from "../../../cli/io";
import { run } from "../../../cli/main";
import type { CliContext } from "../../../cli/context";
import { emitYaml } from "../../../metadata-gen/render/yaml";

export const REPO = path.resolve(__dirname, "..", "..", "..");
export const FIXTURES = path.join(REPO, "tests", "fixtures", "metadata-gen");
export const TABLES = path.join("hasura", "metadata", "databases", "default", "tables");
export const OWNED_ROLES = ["service", "collab"];
const PERMISSION_KEYS = ["insert_permissions", "select_permissions", "update_permissions", "delete_permissions"];

export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hts-metadata-gen-"));
}

/** A copy of the repo's hasura/ and the generated views, as a project directory to run the CLI in. */
export function copyReference(): string {
  const dir = scratchDir();
  fs.cpSync(path.join(REPO, "hasura"), path.join(dir, "hasura"), { recursive: true });
  fs.mkdirSync(path.join(dir, "migrations", "repeatable"), { recursive: true });
  for (const f of ["access_views.sql", "access_views.down.sql"]) {
    fs.copyFileSync(path.join(REPO, "migrations", "repeatable", f), path.join(dir, "migrations", "repeatable", f));
  }
  return dir;
}

/** Takes the generated parts back out of a copied project: what the metadata looked like before. */
export function stripGenerated(dir: string): void {
  const tables = path.join(dir, TABLES);
  fs.rmSync(path.join(tables, "public_api_service_token_project_access.yaml"));
  const includes = load(fs.readFileSync(path.join(tables, "tables.yaml"), "utf8")) as string[];
  fs.writeFileSync(path.join(tables, "tables.yaml"), emitYaml(includes.filter((i) => !i.includes("api_service_token_project_access"))));
  for (const file of fs.readdirSync(tables).filter((f) => f !== "tables.yaml")) {
    const doc = load(fs.readFileSync(path.join(tables, file), "utf8")) as Record<string, unknown>;
    for (const key of PERMISSION_KEYS) {
      const kept = ((doc[key] as Array<{ role: string }> | undefined) ?? []).filter((p) => !OWNED_ROLES.includes(p.role));
      if (kept.length === 0) delete doc[key];
      else doc[key] = kept;
    }
    const arrays = (doc.array_relationships as Array<{ name: string }> | undefined)?.filter((r) => r.name !== "serviceTokenProjectAccesses");
    if (arrays) doc.array_relationships = arrays;
    fs.writeFileSync(path.join(tables, file), emitYaml(doc));
  }
  fs.rmSync(path.join(dir, "migrations"), { recursive: true, force: true });
}

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(args: readonly string[], cwd: string, extra: Partial<CliContext> = {}, env: Record<string, string> = {}): Promise<CliRun> {
  const io = bufferIo(env, cwd);
  const code = await run(args, { io, ...extra });
  return { code, out: io.out(), err: io.err() };
}

/** Every YAML file of a metadata tables directory, parsed, by file name. */
export function parsedTables(dir: string): Record<string, unknown> {
  const tables = path.join(dir, TABLES);
  return Object.fromEntries(
    fs
      .readdirSync(tables)
      .sort()
      .map((f) => [f, load(fs.readFileSync(path.join(tables, f), "utf8"))]),
  );
}

/** The permission entries of one role in one parsed table document. */
export function permissionOf(doc: unknown, key: string, role: string): unknown {
  const list = ((doc as Record<string, unknown>)[key] as Array<{ role: string; permission: unknown }> | undefined) ?? [];
  return list.find((p) => p.role === role)?.permission;
}

export function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(root, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

export const P = (...path: string[]): Record<string, unknown> => {
  let exp: Record<string, unknown> = { serviceTokenProjectAccesses: { token_id: { _eq: "X-Hasura-Service-Token-Id" } } };
  for (const step of [...path].reverse()) exp = { [step]: exp };
  return exp;
};

/** Names built to break out of SQL quoting, for the views SQL (unit and integration tests). */
export const HOSTILE = {
  users: 'users"; DROP TABLE users_user; --',
  active: "is_active$views$ END; $$",
  project: "proj\nect",
  invite: "invite'); DELETE FROM api_servicetoken; --",
  role: "admin'); DROP TABLE users_user; --",
};

export function hostilePolicyText(): string {
  const y = (s: string) => JSON.stringify(s);
  return `version: 1
project: { table: ${y(`public.${HOSTILE.project}`)}, id: id, client: client_id }
membership:
  users: { table: ${y(HOSTILE.users)}, id: id, active: ${y(HOSTILE.active)} }
  privileged: { role_column: role, roles: [${y(HOSTILE.role)}], flags: [is_staff] }
  grants:
    - { via: project, table: ${y(HOSTILE.invite)}, user: user_id, project: project_id }
    - { via: client, table: client_invites, user: user_id, client: client_id }
roles:
  service: { kind: service, tables: {} }
`;
}
