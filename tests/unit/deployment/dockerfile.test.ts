// Static checks of the Dockerfile and .dockerignore (no engine to build with here): a multi-stage
// build whose runtime stage holds production dependencies only, runs unprivileged, checks
// /healthz, starts `serve` with node as PID 1, and has every file the code reads at run time.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { dockerignore, parseDockerfile, ROOT, type DockerStage } from "./support";

const stages = parseDockerfile(fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
const runtime = stages[stages.length - 1]!;
const args = (stage: DockerStage, keyword: string): string[] => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const excluded = dockerignore(fs.readFileSync(path.join(ROOT, ".dockerignore"), "utf8"));
const stageNamed = (name: string): DockerStage | undefined => stages.find((s) => s.name === name);

/** COPY sources and destination, without flags; `from` is the --from stage, if any. */
function copies(stage: DockerStage): Array<{ from: string | undefined; sources: string[]; dest: string }> {
  return args(stage, "COPY").map((line) => {
    const words = line.split(/\s+/);
    const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
    const paths = words.filter((w) => !w.startsWith("--"));
    return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1]! };
  });
}
const normalize = (p: string): string => path.posix.normalize(p).replace(/\/$/, "");

describe("the Dockerfile", () => {
  it("has a build stage and a separate runtime stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(args(runtime, "RUN").join("\n")).not.toMatch(/npm run build|tsc/);
  });

  it("gives the build stage every file tsc compiles (tsc follows imports beyond tsconfig.build.json's folders)", () => {
    const builder = stages.find((s) => args(s, "RUN").some((r) => r.includes("npm run build")));
    expect(builder).toBeDefined();
    const copied = copies(builder!).flatMap((c) => (c.from === undefined ? c.sources.map(normalize) : []));
    const listed = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json", "--listFilesOnly"], { cwd: ROOT, encoding: "utf8" });
    expect(listed.status).toBe(0);
    const compiled = listed.stdout
      .split("\n")
      .filter((f) => f.startsWith(ROOT + path.sep) && !f.includes(`${path.sep}node_modules${path.sep}`))
      .map((f) => path.relative(ROOT, f).split(path.sep).join("/"));
    expect(compiled.length).toBeGreaterThan(0);
    for (const file of [...compiled, "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"]) {
      const reaches = !excluded(file) && copied.some((source) => source === "." || file === source || file.startsWith(`${source}/`));
      expect({ file, reaches }).toEqual({ file, reaches: true });
    }
  });

  it("gives the runtime stage production dependencies only", () => {
    const modules = copies(runtime).find((c) => c.dest.replace(/^\.\//, "").startsWith("node_modules"));
    expect(modules?.from).toBeDefined();
    const installer = stageNamed(modules!.from!)!;
    const install = args(installer, "RUN").join("\n");
    // Either a production-only install or a prune after the full one.
    expect(install).toMatch(/npm ci\b[^\n]*--omit=dev|npm prune\b[^\n]*--omit=dev/);
    // An install in the runtime stage itself would have to be production-only too.
    for (const run of args(runtime, "RUN")) if (/npm (ci|install|i)\b/.test(run)) expect(run).toContain("--omit=dev");
  });

  it("copies into the runtime stage everything read at run time", () => {
    const copied = copies(runtime).flatMap((c) => c.sources.map((s) => `${c.from ?? "context"}:${normalize(s)}`));
    const buildStage = copies(runtime).find((c) => c.sources.some((s) => normalize(s).endsWith("dist")))?.from;
    expect(buildStage).toBeDefined();
    // dist/ (compiled), bin/ (the entry point), migrations/ (SQL read at run time), hasura/ (the
    // metadata commands), package.json (how packageRoot() finds all of them).
    expect(copied).toEqual(
      expect.arrayContaining([`${buildStage}:/app/dist`, "context:bin", "context:migrations", "context:hasura", "context:package.json"]),
    );
  });

  it("runs as a non-root user in production mode", () => {
    const users = args(runtime, "USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    expect(args(runtime, "ENV").join(" ")).toMatch(/\bNODE_ENV=production\b/);
    expect(args(runtime, "EXPOSE")).toContain("8080");
  });

  it("checks /healthz without curl", () => {
    const [healthcheck] = args(runtime, "HEALTHCHECK");
    expect(healthcheck).toContain("/healthz");
    expect(healthcheck).not.toMatch(/\bcurl\b|\bwget\b/);
  });

  it("starts `serve` in exec form, node first, so SIGTERM reaches node", () => {
    const entrypoint = JSON.parse(args(runtime, "ENTRYPOINT").pop() ?? "null") as string[];
    const cmd = JSON.parse(args(runtime, "CMD").pop() ?? "null") as string[];
    const { bin } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(entrypoint).toEqual(["node", bin["token-sidecar"]]);
    expect(cmd[cmd.length - 1]).toBe("serve");
  });
});

describe(".dockerignore", () => {
  it("lets in every file the Dockerfile copies from the context", () => {
    const fromContext = stages.flatMap((s) => copies(s).filter((c) => c.from === undefined).flatMap((c) => c.sources.map(normalize)));
    for (const source of fromContext.filter((s) => s !== ".")) {
      const files = fs.statSync(path.join(ROOT, source)).isDirectory() ? walk(source) : [source];
      for (const file of files) expect({ file, excluded: excluded(file) }).toEqual({ file, excluded: false });
    }
  });

  it("keeps out secrets, the embedded database, host build output, git history and tests", () => {
    for (const file of [".env", ".env.local", "cli/.env", ".data/pg/PG_VERSION", "node_modules/pg/package.json", "dist/cli/main.js", ".git/HEAD", "tests/unit/x.test.ts"]) {
      expect({ file, excluded: excluded(file) }).toEqual({ file, excluded: true });
    }
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    return entry.isDirectory() ? walk(rel) : [rel];
  });
}
