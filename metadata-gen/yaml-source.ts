// Reading YAML the way the Hasura CLI does: `!include` as a real tag or as a string, merge keys,
// duplicate keys rejected. Also key paths (`roles.service.tables.x.filter._or[1]`) and the line each
// key path starts on, so every problem can point at the spot in the file.

import { CORE_SCHEMA, defineScalarTag, EVENT_ID, getScalarValue, load, mergeTag, parseEvents, type Event } from "js-yaml";

// A real `!include file.yaml` tag loads as the string form the CLI also accepts, so both spellings
// meet one resolver (metadata.ts).
const includeTag = defineScalarTag<string>("!include", {
  resolve: (source) => `!include ${source}`,
  identify: () => false,
});

const SCHEMA = CORE_SCHEMA.withTags(mergeTag, includeTag);

export class YamlSyntaxError extends Error {
  constructor(readonly line: number | undefined, readonly reason: string) {
    super(reason);
  }
}

export function parseYaml(text: string, filename?: string): unknown {
  try {
    return load(text, { schema: SCHEMA, filename });
  } catch (error) {
    const e = error as { reason?: string; mark?: { line?: number }; message?: string };
    throw new YamlSyntaxError(e.mark?.line === undefined ? undefined : e.mark.line + 1, e.reason ?? e.message ?? String(error));
  }
}

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

export function joinPath(base: string, segment: PathSegment): string {
  if (typeof segment === "number") return `${base}[${segment}]`;
  if (!PLAIN_KEY.test(segment)) return `${base}[${JSON.stringify(segment)}]`;
  return base === "" ? segment : `${base}.${segment}`;
}

type Frame =
  | { kind: "document"; path: string; used: boolean }
  | { kind: "map"; path: string; pendingKey: string | undefined }
  | { kind: "seq"; path: string; index: number };

/** Line (1-based) where each key path's key (or sequence item) starts; aliased content only via its anchor. */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return lines;
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const stack: Frame[] = [];
  // The path of the next value in the innermost collection (consumes its slot).
  const nextValuePath = (): string | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return undefined;
    if (top.kind === "document") return top.used ? undefined : ((top.used = true), top.path);
    if (top.kind === "seq") return joinPath(top.path, top.index++);
    const key = top.pendingKey;
    top.pendingKey = undefined;
    return key === undefined ? undefined : joinPath(top.path, key);
  };
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) stack.push({ kind: "document", path: "", used: false });
    else if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      const top = stack[stack.length - 1];
      const path = top?.kind === "map" && top.pendingKey === undefined ? undefined : nextValuePath();
      if (path !== undefined && !lines.has(path)) lines.set(path, lineOf(event.start));
      stack.push(event.type === EVENT_ID.MAPPING ? { kind: "map", path: path ?? "?", pendingKey: undefined } : { kind: "seq", path: path ?? "?", index: 0 });
    } else if (event.type === EVENT_ID.SCALAR) {
      const top = stack[stack.length - 1];
      if (top?.kind === "map" && top.pendingKey === undefined) {
        top.pendingKey = getScalarValue(text, event);
        const path = joinPath(top.path, top.pendingKey);
        if (!lines.has(path)) lines.set(path, lineOf(event.valueStart));
      } else {
        const path = nextValuePath();
        if (path !== undefined && !lines.has(path)) lines.set(path, lineOf(event.valueStart));
      }
    } else if (event.type === EVENT_ID.ALIAS) nextValuePath();
    else if (event.type === EVENT_ID.POP) stack.pop();
  }
  return lines;
}

/** The line of `path`, or of its closest ancestor that has one. */
export function lineFor(lines: ReadonlyMap<string, number>, path: string): number | undefined {
  let current = path;
  for (;;) {
    const line = lines.get(current);
    if (line !== undefined) return line;
    const cut = Math.max(current.lastIndexOf("."), current.lastIndexOf("["));
    if (cut <= 0) return undefined;
    current = current.slice(0, cut);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
