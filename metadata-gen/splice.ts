// Writes a changed table document back over its old text, one top-level key at a time: a key
// whose value did not change keeps its old text byte for byte (comments and hand formatting
// included), a changed or new key is emitted in export style. The result is parsed again and must
// equal the new document; if the old text cannot be split safely (flow style, complex keys, merge
// keys), the whole document is emitted instead.

import { EVENT_ID, getScalarValue, parseEvents } from "js-yaml";
import { deepEqual } from "./merge";
import { emitKeyBlock, emitYaml } from "./render/yaml";
import { parseYaml } from "./yaml-source";

interface Block {
  readonly key: string;
  /** Comment and blank lines right above the key. */
  readonly lead: string;
  readonly text: string;
}

export function rewriteYaml(oldText: string | undefined, newDoc: Record<string, unknown>): string {
  const full = emitYaml(newDoc);
  if (oldText === undefined) return full;
  const split = splitTopLevel(oldText);
  if (!split) return full;
  let oldDoc: unknown;
  try {
    oldDoc = parseYaml(oldText);
  } catch {
    return full;
  }
  const old = oldDoc as Record<string, unknown>;
  if (split.blocks.map((b) => b.key).join("\n") !== Object.keys(old).join("\n")) return full;
  let out = split.preamble;
  for (const [key, value] of Object.entries(newDoc)) {
    const block = split.blocks.find((b) => b.key === key);
    if (block && deepEqual(old[key], value)) out += block.lead + block.text;
    else out += (block?.lead ?? "") + emitKeyBlock(key, value);
  }
  out += split.trailer;
  try {
    if (deepEqualOrdered(parseYaml(out), newDoc)) return out;
  } catch {
    // fall through to the full emit
  }
  return full;
}

function splitTopLevel(text: string): { preamble: string; blocks: Block[]; trailer: string } | undefined {
  let events;
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  const starts: Array<{ key: string; offset: number }> = [];
  let depth = 0;
  let documents = 0;
  let expectKey = true;
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      documents += 1;
      depth += 1;
    } else if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      if (depth === 1 && (event.type !== EVENT_ID.MAPPING || event.style !== 1)) return undefined; // root must be a block mapping
      if (depth === 2 && expectKey) return undefined; // a complex key
      depth += 1;
    } else if (event.type === EVENT_ID.POP) {
      depth -= 1;
      if (depth === 2) expectKey = true;
    } else if (depth === 2) {
      if (expectKey && event.type === EVENT_ID.SCALAR) {
        starts.push({ key: getScalarValue(text, event), offset: event.valueStart });
        expectKey = false;
      } else if (expectKey) return undefined;
      else expectKey = true;
    }
  }
  if (documents !== 1 || starts.length === 0) return undefined;
  const lineStart = (offset: number) => text.lastIndexOf("\n", offset - 1) + 1;
  const keyLines = starts.map((s) => lineStart(s.offset));
  // A key line must start at column 0 (a block mapping's keys do).
  if (starts.some((s, i) => s.offset - (keyLines[i] as number) > 1)) return undefined;
  const leadStart = keyLines.map((line, i) => {
    let start = line;
    const floor = i === 0 ? 0 : (keyLines[i - 1] as number) + 1;
    while (start > floor) {
      const prev = text.lastIndexOf("\n", start - 2) + 1;
      const line = text.slice(prev, start - 1);
      // Blank lines and comments at column 0 belong to the key below them.
      if (line.trim() !== "" && !line.startsWith("#")) break;
      if (prev < floor) break;
      start = prev;
    }
    return start;
  });
  const withNewline = text.endsWith("\n") ? text : `${text}\n`;
  const blocks = starts.map((s, i) => {
    const end = i + 1 < starts.length ? (leadStart[i + 1] as number) : withNewline.length;
    const lead = text.slice(leadStart[i] as number, keyLines[i] as number);
    return { key: s.key, lead: i === 0 ? "" : lead, text: withNewline.slice(keyLines[i] as number, end) };
  });
  return { preamble: text.slice(0, keyLines[0] as number), blocks, trailer: "" };
}

function deepEqualOrdered(a: unknown, b: unknown): boolean {
  if (!deepEqual(a, b)) return false;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return true;
  return Object.keys(a).join("\n") === Object.keys(b).join("\n");
}
