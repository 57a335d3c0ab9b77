// A change listener whose connection dies silently (a failover or a firewall dropping the flow:
// the socket stays open, nothing arrives) must not leave a warm cache answering revoked tokens.
// The sidecar talks to PostgreSQL through a small TCP relay that can go silent on the connections
// it holds while accepting new ones, as after a failover; the heartbeat has to notice.

import net from "node:net";
import { sql } from "kysely";
import { openDatabase, type DatabaseHandle } from "../../webhook/db/connection";
import { createTestDatabase, describeWithPostgres, type TestDatabase } from "../support/database";
import { clientHeaders, hasuraAsks } from "./hasura";
import { eventually, startTestSidecar, type TestSidecar } from "./sidecar";
import { buildWorld, serviceToken, type World } from "./world";

/** Relays TCP to `target`; silence() stops forwarding on every connection open now, without closing any. */
class SilenceableRelay {
  private readonly server: net.Server;
  private readonly open = new Set<{ client: net.Socket; upstream: net.Socket }>();

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair = { client, upstream };
      this.open.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = () => {
        this.open.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, "127.0.0.1", () => resolve((this.server.address() as net.AddressInfo).port)));
  }

  silence(): void {
    for (const { client, upstream } of this.open) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.open) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describeWithPostgres("a silently dead change listener", () => {
  let database: TestDatabase;
  let relay: SilenceableRelay;
  let relayed: DatabaseHandle;
  let world: World;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    database = await createTestDatabase("migrated");
    world = await buildWorld(database.db);
    const url = new URL(database.url as string);
    relay = new SilenceableRelay({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(await relay.listen());
    relayed = await openDatabase({ databaseUrl: url.toString(), poolMax: 4, queryTimeoutMs: 1500 });
    sidecar = await startTestSidecar(relayed, { LISTENER_HEARTBEAT_SECONDS: "1", AUTH_CACHE_MAX_AGE_SECONDS: "300" });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await relay?.close();
    await relayed?.close().catch(() => undefined);
    await database?.close();
  });

  it("is noticed by the heartbeat: the cache turns off, a revocation is seen, and the listener comes back", async () => {
    const t = await serviceToken(world, world.users.alice, { preset: "oplog_rw", oplogId: world.oplogs.alphaLog });
    const ask = () => hasuraAsks(sidecar.app, "GET", clientHeaders(`Bearer ${t.token}`));
    expect((await ask()).status).toBe(200);
    expect(sidecar.sidecar.cache.enabled).toBe(true);

    relay.silence();
    // Revoked directly, not through the relay: the trigger's NOTIFY never reaches the listener.
    await sql`UPDATE api_servicetoken SET revoked = true WHERE id = ${t.id}::bigint`.execute(database.db);

    // Within two heartbeats the cache is off; from then on the revocation is read from the
    // database (through new connections: the silent pool members time out and are discarded).
    await eventually(async () => !sidecar.sidecar.cache.enabled, 5_000, 50);
    await eventually(async () => (await ask()).status === 401, 15_000, 200);
    await eventually(async () => sidecar.sidecar.listener.connected && sidecar.sidecar.cache.enabled, 15_000, 100);
    expect((await ask()).status).toBe(401);
    expect(sidecar.logs.join("")).toContain("heartbeat: probe not received");
  }, 60_000);
});
