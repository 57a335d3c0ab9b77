// Server-level statements for the PostgreSQL test path (CREATE/DROP DATABASE), shared by
// global-setup and createTestDatabase; no jest globals here, since global-setup runs outside tests.

import pg from "pg";

export async function adminQuery(serverUrl: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
