// The HTTP surface, built without listening (tests drive it with supertest; main.ts listens):
//   GET|POST /auth   the Hasura auth webhook (GET: client headers; POST: {"headers": ...})
//   GET /healthz     the process is alive
//   GET /readyz      the database answers and the change listener is connected
//   GET /metrics     Prometheus text
// Errors never reach Express's default handler: every path ends in 200, 401 or 503 with a fixed
// body, so neither a stack trace nor an internal message is ever shown to a caller.

import express, { type NextFunction, type Request, type Response } from "express";
import type { Authenticator, AuthResult } from "./authenticator";
import type { Config } from "./config";
import { DENIED_BODY, UNAVAILABLE_BODY } from "./hasura/answers";
import { authorizationFromGet, authorizationFromPost, headerFromPost, presentedCredential } from "./hasura/request";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";

export interface Readiness {
  (): Promise<{ ready: boolean; checks: Record<string, boolean> }>;
}

export interface AppDeps {
  readonly config: Config;
  readonly authenticator: Authenticator;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly readiness: Readiness;
}

/** Hasura may forward the whole GraphQL request in POST mode; anything larger is refused (401). */
const POST_BODY_LIMIT = "16mb";

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);

  // One router owns /auth (Express also routes /AUTH and /auth/ here), with its own error handler,
  // so an unreadable body on any spelling of the path is a 401 like any other bad request.
  const auth = express.Router();
  auth.get("/", (req, res) => {
    const header = deps.config.failureLimit.trustedClientIpHeader;
    const clientAddress = header ? trustedClientAddress(req.headers[header]) : undefined;
    void answer(deps, res, presentedCredential(authorizationFromGet(req)), clientAddress);
  });
  auth.post(
    "/",
    express.json({ limit: POST_BODY_LIMIT, type: () => true, strict: false }),
    (req, res) => {
      const header = deps.config.failureLimit.trustedClientIpHeader;
      const clientAddress = header ? trustedClientAddress(headerFromPost(req.body, header)) : undefined;
      void answer(deps, res, presentedCredential(authorizationFromPost(req.body)), clientAddress);
    },
  );
  auth.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    deps.metrics.requests.inc({ kind: "malformed", outcome: "denied" });
    deps.logger.warn({ path: req.originalUrl.split("?")[0], status: 401, reason: "unreadable_body", error: errorSummary(error) }, "auth request denied");
    res.status(401).json(DENIED_BODY);
  });
  app.use("/auth", auth);

  app.get("/healthz", (_req, res) => {
    res.status(200).json({ status: "ok" });
  });

  app.get("/readyz", async (_req, res) => {
    const { ready, checks } = await deps.readiness().catch(() => ({ ready: false, checks: {} }));
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", checks });
  });

  app.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.status(200).send(await deps.metrics.registry.metrics());
  });

  // Anything unexpected elsewhere: a plain 500, never the error itself.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ path: req.path, error: errorSummary(error) }, "request failed");
    res.status(500).json({ message: "internal error" });
  });
  app.use((_req, res) => {
    res.status(404).json({ message: "not found" });
  });
  return app;
}

async function answer(deps: AppDeps, res: Response, presented: ReturnType<typeof presentedCredential>, clientAddress: string | undefined): Promise<void> {
  const started = process.hrtime.bigint();
  let result: AuthResult;
  try {
    result = await deps.authenticator.authenticate(presented, clientAddress);
  } catch (error) {
    result = { status: 503, kind: "malformed", reason: "unavailable", label: "-", error };
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cache = result.status === 200 ? result.cache : "miss";
  deps.metrics.latency.observe({ kind: result.kind, cache }, seconds);
  if (result.status === 200) {
    deps.metrics.requests.inc({ kind: result.kind, outcome: "allowed" });
    deps.logger.debug({ status: 200, kind: result.kind, cache: result.cache, credential: result.label, ms: seconds * 1000 }, "auth request allowed");
    res.status(200).json(result.body);
    return;
  }
  if (result.status === 401) {
    deps.metrics.requests.inc({ kind: result.kind, outcome: "denied" });
    deps.metrics.rejections.inc({ reason: result.reason });
    deps.logger.warn({ status: 401, kind: result.kind, reason: result.reason, credential: result.label }, "auth request denied");
    res.status(401).json(DENIED_BODY);
    return;
  }
  deps.metrics.requests.inc({ kind: result.kind, outcome: result.reason === "overloaded" ? "overloaded" : "unavailable" });
  deps.logger.error({ status: 503, kind: result.kind, reason: result.reason, credential: result.label, err: result.error }, "auth request could not be answered");
  res.status(503).json(UNAVAILABLE_BODY);
}

/**
 * The address the operator's proxy wrote: the last entry of its header. A proxy that appends to a
 * list (X-Forwarded-For) puts what it saw last; the entries before it are whatever the client
 * sent, so taking the first would let a client choose whom the limit counts against.
 */
function trustedClientAddress(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(",") : value;
  const last = joined.split(",").map((part) => part.trim()).filter((part) => part !== "").pop();
  return last ? last.slice(0, 100) : undefined;
}

/**
 * What an error may show in a log line. Body-parser errors carry the raw request body, and V8's
 * JSON messages quote the input, either of which may hold a token: for those only their kind is
 * logged (body-parser sets `type`), and an error object is never logged whole.
 */
function errorSummary(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: "non-error thrown" };
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (type !== undefined) return { name: error.name, type, status };
  return { name: error.name, message: error.message.slice(0, 200) };
}
