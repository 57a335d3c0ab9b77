// pg's Pool as Kysely's dialect sees it, with one difference that keeps a replica healthy after a
// failover its sockets did not notice.

import type { PostgresPool, PostgresPoolClient } from "kysely";
import type pg from "pg";

/**
 * The pool as Kysely sees it, except that a client whose query timed out is destroyed when it is
 * released rather than reused: its socket is most likely dead, and reused it would time out every
 * later query too, for as long as the kernel takes to notice.
 */
export function discardingTimedOutClients(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let timedOut = false;
    const query = (...args: unknown[]) => {
      const result = (client.query as (...a: unknown[]) => unknown)(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        if ((error as Error | undefined)?.message === "Query read timeout") timedOut = true;
        throw error;
      });
    };
    const release = (destroy?: boolean) => {
      const discard = destroy === true || timedOut;
      timedOut = false;
      client.release(discard);
    };
    return { query, release } as PostgresPoolClient;
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
