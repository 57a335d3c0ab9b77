// The change-notification triggers of 0002, heard the way the webhook hears them: a LISTEN on
// CHANGE_CHANNEL through DatabaseHandle.listen(). A revocation must be announced with the token's
// tag, on the sidecar's tables and on Ghostwriter's; a bookkeeping-only write must stay silent.
// Silence is proven without clocks: a marker notified after the change arrives, and notifications
// reach a listener in commit order, so anything the change sent would have come first.

import { sql } from "kysely";
import { migrateUp } from "../../../migrations/runner";
import { CHANGE_CHANNEL } from "../../../webhook/change-listener";
import type { NotificationSubscription } from "../../../webhook/db/connection";
import { createTestDatabase, type TestDatabase } from "../../support/database";
import { insertServiceTokenRow, insertUser } from "../../support/seed";
import { createGhostwriterDatabase } from "./ghostwriter";

/** Collects payloads; `through(marker)` hands back what arrived before the marker, and forgets it. */
class Inbox {
  private payloads: string[] = [];
  private wake: (() => void) | undefined;
  private markers = 0;
  private lost: unknown;

  constructor(private readonly db: TestDatabase["db"]) {}

  push(payload: string): void {
    this.payloads.push(payload);
    this.wake?.();
  }

  disconnected(error: unknown): void {
    this.lost = error ?? new Error("listener disconnected");
    this.wake?.();
  }

  async through(): Promise<string[]> {
    this.markers += 1;
    const marker = `test-marker-${this.markers}`;
    await sql`SELECT pg_notify(${CHANGE_CHANNEL}, ${marker})`.execute(this.db);
    while (!this.payloads.includes(marker)) {
      if (this.lost !== undefined) throw this.lost;
      // If the marker never comes, jest's timeout fails the test.
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    const before = this.payloads.slice(0, this.payloads.indexOf(marker));
    this.payloads = this.payloads.slice(this.payloads.indexOf(marker) + 1);
    return before;
  }
}

const setups: Array<[string, () => Promise<TestDatabase>]> = [
  ["the sidecar's tables", () => createTestDatabase("migrated")],
  [
    "Ghostwriter's tables, after migrate up",
    async () => {
      const testDb = await createGhostwriterDatabase();
      await migrateUp(testDb.db);
      return testDb;
    },
  ],
];

describe.each(setups)("change notifications on %s", (_label, setup) => {
  let testDb: TestDatabase;
  let subscription: NotificationSubscription;
  let inbox: Inbox;
  let tokenId: string;

  beforeAll(async () => {
    testDb = await setup();
    inbox = new Inbox(testDb.db);
    subscription = await testDb.handle.listen(CHANGE_CHANNEL, {
      onNotification: (payload) => inbox.push(payload),
      onDisconnect: (error) => inbox.disconnected(error),
    });
    const creator = await insertUser(testDb.db);
    tokenId = (await insertServiceTokenRow(testDb.db, { creatorId: creator.id, permissions: [{ resourceType: "oplog", resourceId: 1, action: "read" }] })).tokenId;
    await inbox.through(); // the inserts' own notifications
  });

  afterAll(async () => {
    await subscription?.close();
    await testDb?.close();
  });

  it("revoking a service token notifies its tag", async () => {
    await sql`UPDATE api_servicetoken SET revoked = true WHERE id = ${tokenId}::bigint`.execute(testDb.db);
    expect(await inbox.through()).toEqual([`st:${tokenId}`]);
  });

  it("recording a token's last use notifies nothing", async () => {
    await sql`UPDATE api_servicetoken SET last_used_at = now() WHERE id = ${tokenId}::bigint`.execute(testDb.db);
    expect(await inbox.through()).toEqual([]);
  });

  it("removing a grant notifies the token's tag; a truncate asks every replica to flush", async () => {
    await sql`DELETE FROM api_servicetokenpermission WHERE token_id = ${tokenId}::bigint`.execute(testDb.db);
    expect(await inbox.through()).toEqual([`st:${tokenId}`]);
    await sql`TRUNCATE api_usersession`.execute(testDb.db);
    expect(await inbox.through()).toEqual(["all"]);
  });
});
