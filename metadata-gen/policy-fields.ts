// Typed access to one mapping of the policy, reporting each wrong key at its key path: unknown
// keys, missing required values, wrong types, names PostgreSQL or GraphQL would not accept. When a
// whole section is missing it is reported once, not once per key inside it.

import type { QualifiedName } from "./metadata";
import type { ProblemList } from "./problems";
import { isPlainObject, joinPath } from "./yaml-source";

export interface Located<T> {
  readonly value: T;
  readonly path: string;
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const SESSION_VARIABLE = /^x-hasura-[A-Za-z0-9_-]+$/i;
// PostgreSQL truncates longer identifiers silently, which would make a name refer to another object.
const MAX_IDENTIFIER_BYTES = 63;

export class Fields {
  readonly ok: boolean;
  private readonly map: Record<string, unknown>;
  /** The section is absent (already reported, or optional): accessors give fallbacks silently. */
  private readonly absent: boolean;

  constructor(
    value: unknown,
    readonly path: string,
    readonly problems: ProblemList,
    allowed: readonly string[],
    options: { optional?: boolean; absent?: boolean } = {},
  ) {
    if (options.absent === true || value === undefined || value === null) {
      const reportable = options.absent !== true && options.optional !== true;
      if (reportable) problems.add(path, "is required");
      this.map = {};
      this.ok = !reportable;
      this.absent = true;
      return;
    }
    if (!isPlainObject(value)) {
      problems.add(path, `must be a mapping, not ${describe(value)}`);
      this.map = {};
      this.ok = false;
      this.absent = true;
      return;
    }
    this.map = value;
    this.ok = true;
    this.absent = false;
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) problems.add(this.pathOf(key), `unknown key (expected one of: ${allowed.join(", ")})`);
    }
  }

  pathOf(key: string): string {
    return joinPath(this.path, key);
  }

  raw(key: string): unknown {
    return Object.hasOwn(this.map, key) ? this.map[key] : undefined;
  }

  string(key: string, fallback?: string): string {
    const value = this.raw(key);
    if (value === undefined || value === null) {
      if (fallback === undefined && !this.absent) this.problems.add(this.pathOf(key), "is required");
      return fallback ?? "";
    }
    if (typeof value !== "string" || value === "") {
      this.problems.add(this.pathOf(key), `must be a non-empty string, not ${describe(value)}`);
      return fallback ?? "";
    }
    return value;
  }

  identifier(key: string, fallback?: string): string {
    const value = this.string(key, fallback);
    if (value !== "") checkIdentifier(value, this.pathOf(key), this.problems);
    return value;
  }

  optionalIdentifier(key: string): string | undefined {
    return this.raw(key) === undefined ? undefined : this.identifier(key);
  }

  graphqlName(key: string, fallback?: string): string {
    const value = this.string(key, fallback);
    if (value !== "" && !GRAPHQL_NAME.test(value)) this.problems.add(this.pathOf(key), `${JSON.stringify(value)} is not a GraphQL name`);
    return value;
  }

  sessionVariable(key: string, fallback?: string): string {
    const value = this.string(key, fallback);
    if (value !== "" && !SESSION_VARIABLE.test(value)) this.problems.add(this.pathOf(key), `${JSON.stringify(value)} is not a session variable (X-Hasura-...)`);
    return value;
  }

  stringList(key: string, fallback?: readonly string[]): string[] {
    const value = this.raw(key);
    if (value === undefined || value === null) {
      if (fallback === undefined && !this.absent) this.problems.add(this.pathOf(key), "is required");
      return [...(fallback ?? [])];
    }
    if (!Array.isArray(value)) {
      this.problems.add(this.pathOf(key), `must be a list, not ${describe(value)}`);
      return [];
    }
    return value.flatMap((item, i) => {
      if (typeof item === "string" && item !== "") return [item];
      this.problems.add(joinPath(this.pathOf(key), i), `must be a non-empty string, not ${describe(item)}`);
      return [];
    });
  }

  identifierList(key: string, fallback?: readonly string[]): string[] {
    const list = this.stringList(key, fallback);
    list.forEach((name, i) => checkIdentifier(name, joinPath(this.pathOf(key), i), this.problems));
    return list;
  }

  object(key: string, allowed: readonly string[], optional = false): Fields {
    return new Fields(this.raw(key), this.pathOf(key), this.problems, allowed, { optional, absent: this.absent });
  }

  list(key: string): Located<unknown>[] {
    const value = this.raw(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problems.add(this.pathOf(key), `must be a list, not ${describe(value)}`);
      return [];
    }
    return value.map((item, i) => ({ value: item, path: joinPath(this.pathOf(key), i) }));
  }

  entries(key: string, required = false): Array<{ key: string; value: unknown; path: string }> {
    const value = this.raw(key);
    if (value === undefined || value === null) {
      if (required && !this.absent) this.problems.add(this.pathOf(key), "is required");
      return [];
    }
    if (!isPlainObject(value)) {
      this.problems.add(this.pathOf(key), `must be a mapping, not ${describe(value)}`);
      return [];
    }
    return Object.entries(value).map(([k, v]) => ({ key: k, value: v, path: joinPath(this.pathOf(key), k) }));
  }
}

export function checkIdentifier(name: string, path: string, problems: ProblemList): void {
  if (name.includes("\u0000")) problems.add(path, "an SQL name cannot contain a NUL character");
  else if (Buffer.byteLength(name, "utf8") > MAX_IDENTIFIER_BYTES) problems.add(path, `${JSON.stringify(name)} is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte identifier limit`);
}

/** `name` (schema public) or `schema.name`, split at the first dot. */
export function tableRef(text: string, path: string, problems: ProblemList): QualifiedName {
  const cut = text.indexOf(".");
  const table = cut < 0 ? { schema: "public", name: text } : { schema: text.slice(0, cut), name: text.slice(cut + 1) };
  if (text !== "" && (table.schema === "" || table.name === "")) problems.add(path, `${JSON.stringify(text)} is not a table name ([schema.]name)`);
  else if (text !== "") {
    checkIdentifier(table.schema, path, problems);
    checkIdentifier(table.name, path, problems);
  }
  return table;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function isSessionVariable(value: unknown): value is string {
  return typeof value === "string" && /^x-hasura-/i.test(value);
}
