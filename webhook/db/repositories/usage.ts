// Ghostwriter's record_usage, for many credentials in one statement: a row's last_used_at is
// written only when it was never used, or its last use is at least `intervalSeconds` older than
// the new one (Ghostwriter's 5-minute throttle), so repeated flushes are cheap and idempotent.

import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../schema";

export type UsageTable = "api_servicetoken" | "api_apikey";

export async function recordUsage(
  db: Kysely<Database> | Transaction<Database>,
  table: UsageTable,
  uses: ReadonlyMap<string, Date>,
  intervalSeconds: number,
): Promise<number> {
  if (uses.size === 0) return 0;
  const ids = [...uses.keys()];
  const times = ids.map((id) => (uses.get(id) as Date).toISOString());
  const result = await sql`
    UPDATE ${sql.table(table)} AS target SET last_used_at = used.at
    FROM unnest(${ids}::bigint[], ${times}::timestamptz[]) AS used(id, at)
    WHERE target.id = used.id
      AND (target.last_used_at IS NULL OR target.last_used_at <= used.at - make_interval(secs => ${intervalSeconds}))`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
