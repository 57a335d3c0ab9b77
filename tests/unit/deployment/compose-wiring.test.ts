// The wiring of docker-compose.yml, which no engine checks for us here: the sidecar gets every
// variable `serve` needs against a real database (decided by webhook/config.ts itself), Hasura's
// hook URL reaches the sidecar's port and /auth, Hasura starts in webhook mode (admin secret, no
// unauthorized role), the metadata mount is hasura/metadata, and no secret has a default.

import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { loadConfig, SETTINGS, type Config } from "../../../webhook/config";
import {
  allStrings,
  interpolate,
  interpolations,
  parseEnvFile,
  rawEnvironment,
  readCompose,
  ROOT,
  service,
  type ComposeService,
} from "./support";

const compose = readCompose();
const example = parseEnvFile(path.join(ROOT, ".env.example"));
// .env.example leaves secrets empty; stand-ins long enough for every length rule (JWT: 32 bytes).
const vars = Object.fromEntries([...example].map(([k, v]) => [k, v === "" ? `dummy-${k.toLowerCase()}-`.padEnd(48, "x") : v]));

function environment(svc: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(rawEnvironment(svc)).map(([k, v]) => [k, interpolate(v, vars)]));
}

const SECRET_NAME = /PASSWORD|SECRET|KEY|TOKEN/i;
const secretSettings = new Set(SETTINGS.filter((s) => s.secret).flatMap((s) => [s.name, ...(s.aliases ?? [])]));
const isSecret = (name: string): boolean => SECRET_NAME.test(name) || secretSettings.has(name);
const used = interpolations(allStrings(compose).join("\n"));

describe("the sidecar service", () => {
  const sidecar = service(compose, "sidecar");
  const env = environment(sidecar);

  it("has what `serve` requires against a real database (loadConfig accepts it)", () => {
    let config: Config | undefined;
    expect(() => (config = loadConfig(env, { purpose: "serve" }))).not.toThrow();
    // Without DATABASE_URL, serve would quietly fall back to an embedded database per replica.
    expect(config?.databaseUrl).toBeDefined();
    expect(new URL(config!.databaseUrl!).hostname).toBe("postgres");
    // The drop-in check: JWTs are accepted, so their key must be there.
    expect(config?.jwt.accept ? config.jwt.secret : "off").toBeDefined();
  });

  it("sets only variables the sidecar reads (a typo would be ignored silently)", () => {
    const known = new Set(SETTINGS.flatMap((s) => [s.name, ...(s.aliases ?? [])]));
    for (const name of Object.keys(env)) expect(known).toContain(name);
  });

  it("runs two replicas without a fixed host port or container name, which would collide", () => {
    expect(sidecar.deploy?.replicas).toBe(2);
    expect(sidecar.ports).toBeUndefined();
    expect(sidecar.container_name).toBeUndefined();
    expect(sidecar.command).toEqual(["serve"]);
  });

  it("starts after migrate has succeeded, and uses the same database", () => {
    expect(sidecar.depends_on).toMatchObject({ migrate: { condition: "service_completed_successfully" } });
    expect(environment(service(compose, "migrate")).DATABASE_URL).toBe(env.DATABASE_URL);
  });
});

describe("the migrate job", () => {
  const migrate = service(compose, "migrate");
  it("runs once, with the reference schema, after PostgreSQL is healthy", () => {
    expect(migrate.command).toEqual(["migrate", "up", "--reference-schema"]);
    expect(migrate.restart).toBe("no");
    expect(migrate.depends_on).toMatchObject({ postgres: { condition: "service_healthy" } });
    expect(migrate.image).toBe(service(compose, "sidecar").image);
  });
});

describe("the hasura service", () => {
  const hasura = service(compose, "hasura");
  const env = environment(hasura);
  const sidecarEnv = environment(service(compose, "sidecar"));

  it("is Hasura v2's cli-migrations-v3 image, pinned", () => {
    expect(hasura.image).toMatch(/^hasura\/graphql-engine:v2\.\d+\.\d+\.cli-migrations-v3$/);
  });

  it("calls the sidecar's /auth on its service name and port", () => {
    const hook = new URL(env.HASURA_GRAPHQL_AUTH_HOOK ?? "");
    expect(hook.protocol).toBe("http:");
    expect(hook.hostname).toBe("sidecar");
    expect(Number(hook.port || 80)).toBe(loadConfig(sidecarEnv).port);
    expect(hook.pathname).toBe("/auth");
    // ...and /auth is the webhook's route.
    expect(fs.readFileSync(path.join(ROOT, "webhook/app.ts"), "utf8")).toMatch(/app\.use\(\s*"\/auth"/);
    if (env.HASURA_GRAPHQL_AUTH_HOOK_MODE !== undefined) expect(["GET", "POST"]).toContain(env.HASURA_GRAPHQL_AUTH_HOOK_MODE);
  });

  it("starts in webhook mode: an admin secret, no unauthorized role, no JWT mode", () => {
    expect(env.HASURA_GRAPHQL_ADMIN_SECRET?.length).toBeGreaterThan(0);
    for (const svc of Object.values(compose.services)) {
      expect(Object.keys(rawEnvironment(svc))).not.toContain("HASURA_GRAPHQL_UNAUTHORIZED_ROLE");
    }
    expect(env.HASURA_GRAPHQL_JWT_SECRET).toBeUndefined();
  });

  it("reads the database the sidecar uses, under the name the metadata's databases.yaml expects", () => {
    const sources = load(fs.readFileSync(path.join(ROOT, "hasura/metadata/databases/databases.yaml"), "utf8")) as Array<{
      configuration: { connection_info: { database_url: { from_env?: string } } };
    }>;
    const fromEnv = sources[0]?.configuration.connection_info.database_url.from_env;
    expect(fromEnv).toBeDefined();
    expect(env[fromEnv!]).toBe(sidecarEnv.DATABASE_URL);
  });

  it("mounts hasura/metadata (a v3 metadata directory) where cli-migrations-v3 applies it", () => {
    const mounts = (hasura.volumes ?? []).map(String).map((v) => v.split(":"));
    const metadata = mounts.find(([, target]) => target === "/hasura-metadata");
    expect(metadata?.[0]).toBe("./hasura/metadata");
    const config = load(fs.readFileSync(path.join(ROOT, "hasura/config.yaml"), "utf8")) as { metadata_directory: string };
    expect(path.join("hasura", config.metadata_directory)).toBe(path.normalize(metadata![0]!));
    expect(fs.readFileSync(path.join(ROOT, metadata![0]!, "version.yaml"), "utf8")).toMatch(/^version: 3$/m);
    // The schema belongs to the migrate job; Hasura gets no migrations directory.
    expect(mounts.find(([, target]) => target === "/hasura-migrations")).toBeUndefined();
  });

  it("waits for migrate to succeed and for the sidecar to be healthy, and publishes its API", () => {
    expect(hasura.depends_on).toMatchObject({
      migrate: { condition: "service_completed_successfully" },
      sidecar: { condition: "service_healthy" },
    });
    expect(hasura.ports?.map((p) => interpolate(String(p), vars))).toContainEqual(expect.stringMatching(/:8080$/));
  });
});

describe("the whole file", () => {
  it("gives every long-running service a health check on the right endpoint (migrate is one-shot)", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (name === "migrate") continue;
      expect({ name, test: svc.healthcheck?.test, disabled: svc.healthcheck?.disable }).toEqual({ name, test: expect.anything(), disabled: undefined });
    }
    for (const name of ["sidecar", "hasura"]) expect(String(service(compose, name).healthcheck?.test)).toContain("/healthz");
    expect(String(service(compose, "postgres").healthcheck?.test)).toContain("pg_isready");
  });

  it("keeps PostgreSQL's data in a named volume", () => {
    const postgres = service(compose, "postgres");
    expect(postgres.image).toBe("postgres:15");
    const volume = (postgres.volumes ?? []).map(String).find((v) => v.endsWith(":/var/lib/postgresql/data"));
    expect(Object.keys(compose.volumes ?? {})).toContain(volume?.split(":")[0]);
  });

  it("takes every secret from .env, required and without a default", () => {
    const secrets = used.filter((u) => isSecret(u.name));
    expect(secrets.map((u) => u.name)).toEqual(expect.arrayContaining(["POSTGRES_PASSWORD", "JWT_SECRET", "HASURA_GRAPHQL_ADMIN_SECRET"]));
    for (const u of secrets) expect({ name: u.name, operator: u.operator }).toEqual({ name: u.name, operator: ":?" });
    // No secret written into the file itself either: every secret-named variable is interpolated.
    for (const svc of Object.values(compose.services)) {
      for (const [name, value] of Object.entries(rawEnvironment(svc))) {
        if (isSecret(name)) expect({ name, interpolated: interpolations(value).length > 0 }).toEqual({ name, interpolated: true });
      }
    }
  });

  it("interpolates only variables .env.example lists, with the secrets left empty there", () => {
    for (const u of used) expect([...example.keys()]).toContain(u.name);
    for (const [name, value] of example) if (isSecret(name)) expect({ name, value }).toEqual({ name, value: "" });
    // .env holds the real secrets: it must stay out of git.
    expect(fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n").map((l) => l.trim())).toContain(".env");
  });
});
