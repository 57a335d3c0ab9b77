// Dead service tokens reach nothing. Each was a working token (the webhook accepted it), then met
// its fate: revoked, expired, its creator deactivated, its principal deactivated, its creator lost
// every selected project, or lost the project of its oplog. Now the webhook refuses it (by token
// and by --token-id), the access view has no row for it, and even an answer a stale cache could
// still hold — its old session variables — shows no project's rows through the view (the SQL line
// of defence). Oplog scope has no SQL-side defence in Ghostwriter 7.0 (spec §12): such a stale
// answer still reads the oplog it named, which is why revocation must reach every cache at once.

import { sql } from "kysely";
import { sessionForServiceTokenId } from "../../../evaluator/session";
import type { RejectionReason } from "../../../webhook/credentials/rejection";
import { DEAD_TOKEN_KEYS, LIVE_TOKEN_KEYS, type DeadTokenKey } from "../../support/rich-seed";
import { compareServiceTable, serviceView, setUpRichDatabase, tablesWithPermission, variablesOf, type RichDatabase } from "./harness";

const SERVICE_TABLES = tablesWithPermission("service", "select");

/** Why the webhook refuses each (Ghostwriter's get_valid_from_token order). */
const REASON: Record<DeadTokenKey, { byToken: RejectionReason; byId: RejectionReason }> = {
  revoked: { byToken: "unknown_token", byId: "revoked" }, // revoked rows are not even looked up
  expired: { byToken: "expired", byId: "expired" },
  inactiveCreator: { byToken: "creator_inactive", byId: "revoked" }, // the first check revoked it
  deactivatedPrincipal: { byToken: "principal_inactive", byId: "principal_inactive" },
  lostAll: { byToken: "grants_invalid", byId: "revoked" }, // pruned to nothing, then revoked
  oplogProjectLost: { byToken: "grants_invalid", byId: "revoked" }, // an oplog grant out of reach revokes
};

let rich: RichDatabase;

beforeAll(async () => {
  rich = await setUpRichDatabase();
}, 180_000);

afterAll(async () => {
  await rich?.testDb.close();
});

describe.each(DEAD_TOKEN_KEYS.map((key) => [key] as const))("%s token", (key) => {
  it("was accepted before its fate", () => {
    expect(variablesOf(rich.before[key])["X-Hasura-Service-Token-Id"]).toBe(rich.tokens[key].id);
  });

  it("is refused by the webhook now", () => {
    expect(rich.now[key]).toEqual({ ok: false, reason: REASON[key].byToken });
  });

  it("is refused by id too (token-sidecar access --token-id)", async () => {
    expect(await sessionForServiceTokenId(rich.testDb.db, rich.tokens[key].id)).toEqual({ ok: false, reason: REASON[key].byId });
  });

  it("has no row in api_service_token_project_access", async () => {
    const { rows } = await sql`SELECT project_id FROM api_service_token_project_access WHERE token_id = ${rich.tokens[key].id}::bigint`.execute(rich.testDb.db);
    expect(rows).toEqual([]);
  });

  it.each(SERVICE_TABLES)("with its stale answer, %s shows no project's rows (only its old read-oplog, if any)", async (table) => {
    const stale = variablesOf(rich.before[key]);
    const view = serviceView(rich.testDb.db, rich.model, stale);
    const { expected, actual } = await compareServiceTable(view, table, { projects: [], readOplog: stale["X-Hasura-Read-Oplog-Id"] ?? "-1" });
    expect(actual).toEqual(expected);
  });
});

it.each(LIVE_TOKEN_KEYS.map((key) => [key] as const))("leaves the live %s token working (the fates touched only their own tokens)", (key) => {
  expect(variablesOf(rich.now[key])["X-Hasura-Service-Token-Id"]).toBe(rich.tokens[key].id);
});
