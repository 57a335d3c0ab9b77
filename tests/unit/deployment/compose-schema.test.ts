// docker-compose.yml against the Compose Specification, offline: there is no Docker engine (nor
// compose plugin) on our machines, and docker-compose v1 rejects modern fields such as `name:`.
// dclint bundles the spec's JSON schema; its schema check cannot be turned off, and
// .dclintrc.json turns off only purely stylistic rules.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { COMPOSE_FILE, ROOT } from "./support";

const DCLINT = path.join(ROOT, "node_modules", ".bin", "dclint");
const CONFIG = path.join(ROOT, ".dclintrc.json");

function dclint(file: string): { status: number | null; output: string } {
  const run = spawnSync(DCLINT, ["-q", "-c", CONFIG, file], { cwd: path.dirname(file), encoding: "utf8", timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("docker-compose.yml and the Compose Specification", () => {
  it("passes dclint (schema and the non-stylistic rules)", () => {
    const { status, output } = dclint(COMPOSE_FILE);
    expect(output.trim()).toBe("");
    expect(status).toBe(0);
  });

  it("disables only stylistic rules, so best-practice and security rules still apply", () => {
    const stylistic = ["no-unbound-port-interfaces", "require-project-name-field", "require-quotes-in-ports", "service-keys-order", "services-alphabetical-order"];
    const { rules } = JSON.parse(fs.readFileSync(CONFIG, "utf8")) as { rules: Record<string, unknown> };
    const disabled = Object.entries(rules).filter(([, level]) => level === 0 || (Array.isArray(level) && level[0] === 0));
    for (const [rule] of disabled) expect(stylistic).toContain(rule);
  });

  // The check must be able to fail: the same file with one schema violation each.
  const breakages: Array<[string, (text: string) => string]> = [
    ["an unknown depends_on condition", (t) => t.replace("condition: service_completed_successfully", "condition: service_finished")],
    ["a misspelt service key", (t) => t.replace("healthcheck:", "healthchek:")],
    ["replicas that are not a number", (t) => t.replace("replicas: 2", "replicas: [2]")],
  ];
  it.each(breakages)("fails on %s", (_what, breakCompose) => {
    const original = fs.readFileSync(COMPOSE_FILE, "utf8");
    const broken = breakCompose(original);
    expect(broken).not.toBe(original);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compose-broken-"));
    try {
      const file = path.join(dir, "docker-compose.yml");
      fs.writeFileSync(file, broken);
      const { status, output } = dclint(file);
      expect(status).not.toBe(0);
      expect(output).toContain("invalid-schema");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
