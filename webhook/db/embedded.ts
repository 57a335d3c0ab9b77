// The embedded default: on first use, an empty PGlite database gets the reference app schema, the
// core migrations and a small demo (one user, one client with two projects, one oplog), so
// `npm start` on a machine with nothing installed answers real tokens at once.

import { sql, type Kysely } from "kysely";
import { migrateUp } from "../../migrations/runner";
import type { Database } from "./schema";

export async function prepareEmbeddedDatabase(db: Kysely<Database>): Promise<{ seeded: boolean }> {
  await migrateUp(db, { referenceSchema: true });
  return { seeded: await seedDemo(db) };
}

/** Seeds only an empty database (no users), so it runs once. */
export async function seedDemo(db: Kysely<Database>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ count: string }>`SELECT count(*)::text AS count FROM users_user`.execute(trx);
    if (rows[0]?.count !== "0") return false;
    await sql`
      INSERT INTO users_user (password, is_superuser, username, email, is_staff, is_active, date_joined, name,
        timezone, role, enable_finding_create, enable_finding_edit, enable_finding_delete,
        enable_observation_create, enable_observation_delete, enable_observation_edit, require_2fa)
      VALUES ('!', false, 'demo', 'demo@example.com', false, true, now(), 'Demo Operator',
        'America/Los_Angeles', 'user', false, false, false, false, false, false, false)`.execute(trx);
    await sql`INSERT INTO rolodex_projecttype (project_type) VALUES ('Red Team')`.execute(trx);
    await sql`INSERT INTO rolodex_projectrole (project_role, position) VALUES ('Assessment Lead', 1)`.execute(trx);
    await sql`INSERT INTO rolodex_client (name, short_name, codename) VALUES ('Demo Client', 'DEMO', 'Blue Heron')`.execute(trx);
    await sql`
      INSERT INTO rolodex_project (codename, start_date, end_date, description, slack_channel, complete, client_id, project_type_id, timezone, extra_fields)
      SELECT p.codename, current_date, current_date + 30, '', '', false, c.id, t.id, 'America/Los_Angeles', '{}'::jsonb
      FROM (VALUES ('Alpha'), ('Bravo')) AS p(codename), rolodex_client AS c, rolodex_projecttype AS t`.execute(trx);
    await sql`
      INSERT INTO rolodex_projectassignment (description, operator_id, project_id, role_id)
      SELECT '', u.id, p.id, r.id FROM users_user AS u, rolodex_project AS p, rolodex_projectrole AS r`.execute(trx);
    await sql`
      INSERT INTO oplog_oplog (name, project_id, mute_notifications)
      SELECT 'Alpha operations', p.id, false FROM rolodex_project AS p WHERE p.codename = 'Alpha'`.execute(trx);
    return true;
  });
}
