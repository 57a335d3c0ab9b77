// Reading the deployment files the way Compose and Docker would, without either being installed:
// the Compose file parsed and interpolated (${VAR}, ${VAR:?msg}, ${VAR:-default}, $$), .env files,
// and a Dockerfile split into stages of instructions.

import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";

export const ROOT = path.resolve(__dirname, "../../..");
export const COMPOSE_FILE = path.join(ROOT, "docker-compose.yml");

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ComposeService {
  readonly image?: string;
  readonly build?: Json;
  readonly command?: string[] | string;
  readonly environment?: Record<string, string | number | boolean | null> | string[];
  readonly healthcheck?: { test?: string[] | string; disable?: boolean };
  readonly depends_on?: Record<string, { condition: string }> | string[];
  readonly deploy?: { replicas?: number };
  readonly ports?: Json[];
  readonly volumes?: Json[];
  readonly restart?: string;
  readonly container_name?: string;
  readonly [key: string]: unknown;
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, Json>;
}

export function readCompose(): ComposeFile {
  return load(fs.readFileSync(COMPOSE_FILE, "utf8")) as ComposeFile;
}

export function service(compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** One `${…}` or `$NAME` occurrence: the operator is "" (plain), ":-"/"-" (default), ":?"/"?" (required), ":+"/"+". */
export interface Interpolation {
  readonly name: string;
  readonly operator: string;
  readonly argument: string;
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function interpolations(text: string): Interpolation[] {
  const found: Interpolation[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    if (match[0] === "$$") continue;
    found.push({ name: (match[1] ?? match[4])!, operator: match[2] ?? "", argument: match[3] ?? "" });
  }
  return found;
}

/** Interpolates as Compose does; a required variable left empty throws, like `docker compose up`. */
export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
  const result = text.replace(REFERENCE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === "$$") return "$";
    const name = (braced ?? bare)!;
    const value = vars[name];
    const set = value !== undefined && (value !== "" || !operator?.startsWith(":"));
    switch (operator ?? "") {
      case ":-":
      case "-":
        return set ? value! : argument!;
      case ":?":
      case "?":
        if (!set) throw new Error(`required variable ${name} is missing: ${argument}`);
        return value!;
      case ":+":
      case "+":
        return set ? argument! : "";
      default:
        return value ?? "";
    }
  });
  // Nested or unusual forms this helper does not understand must not pass silently.
  if (result.includes("${")) throw new Error(`unsupported interpolation in ${JSON.stringify(text)}`);
  return result;
}

/** Every string in a parsed YAML value (mapping keys included), for scanning interpolations. */
export function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...allStrings(v)]);
  return [];
}

/** A service's environment as strings, before interpolation (map or KEY=VALUE list form). */
export function rawEnvironment(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split("=")[0]!, entry.slice(entry.indexOf("=") + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? "" : String(v)]));
}

/** KEY=VALUE lines of a .env file; comments and blank lines skipped. */
export function parseEnvFile(file: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) vars.set(match[1]!, match[2]!.trim());
  }
  return vars;
}

export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
}

export interface DockerStage {
  readonly name: string;
  readonly base: string;
  readonly instructions: DockerInstruction[];
}

/** Stages of a Dockerfile (instructions before the first FROM, i.e. global ARGs, are dropped). */
export function parseDockerfile(text: string): DockerStage[] {
  const logical = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (keyword.toUpperCase() === "FROM") {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!match) throw new Error(`cannot read ${line}`);
      stages.push({ base: match[1]!, name: match[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/**
 * A .dockerignore as Docker applies it: patterns relative to the context root (`*`, `?`, `**`),
 * a pattern also covering everything under a matched folder, `!` re-including, the last match
 * winning. Returns whether a context-relative path is left out of the build context.
 */
export function dockerignore(text: string): (relativePath: string) => boolean {
  const patterns = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const glob = path.posix.normalize(line.slice(negate ? 1 : 0).trim()).replace(/^\/+|\/+$/g, "");
      const source = glob
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) => (part === "**/" || part === "**" ? "(?:.*/)?" + (part === "**" ? ".*" : "") : part === "*" ? "[^/]*" : part === "?" ? "[^/]" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (relativePath) => {
    const parts = path.posix.normalize(relativePath).split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const { negate, regex } of patterns) if (prefixes.some((p) => regex.test(p))) excluded = !negate;
    return excluded;
  };
}
