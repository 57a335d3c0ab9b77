// The baseline for the load benchmark: the same Express 5 stack answering a fixed session-variable
// body with no work at all. The sidecar's warm path is measured against it in the same run.

import express from "express";

const body = {
  "X-Hasura-Role": "service", "X-Hasura-User-Name": "bench", "X-Hasura-Service-Principal-Id": "1", "X-Hasura-Service-Token-Id": "1",
  "X-Hasura-Read-Oplog-Id": "1", "X-Hasura-Create-OplogEntry-Oplog-Id": "1", "X-Hasura-Update-OplogEntry-Oplog-Id": "1",
  "X-Hasura-Delete-OplogEntry-Oplog-Id": "1", "X-Hasura-Principal-Type": "service", "X-Hasura-Service-Token-Preset": "oplog_rw", "Cache-Control": "max-age=60",
};
const app = express();
app.disable("x-powered-by");
app.disable("etag");
app.get("/auth", (_req, res) => void res.status(200).json(body));
const server = app.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("listening\n"));
process.once("SIGTERM", () => server.close());
