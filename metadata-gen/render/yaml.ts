// A YAML emitter in the style `hasura metadata export` writes (Go yaml.v3, indent 2): block style,
// sequences indented under their key, `{}`/`[]` for empty collections, no line wrapping, strings
// plain where they read back as the same string, `'*'` single-quoted, `!include` strings forced into
// double quotes, one trailing newline. Key order is the caller's: objects are written as given.
// Pure; emitting what a file parsed to gives that file's bytes back when it was export-written.

const INDENT = "  ";

export function emitYaml(value: unknown): string {
  if (isCollection(value) && !isEmpty(value)) return block(value, "");
  return `${inline(value)}\n`;
}

/** A top-level `key: value` block (used to splice one key into an existing file). */
export function emitKeyBlock(key: string, value: unknown): string {
  return entry(key, value, "");
}

type Collection = readonly unknown[] | Readonly<Record<string, unknown>>;

function isCollection(value: unknown): value is Collection {
  return typeof value === "object" && value !== null;
}

function isEmpty(value: Collection): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function block(value: Collection, indent: string): string {
  if (Array.isArray(value)) return value.map((item) => sequenceItem(item, indent)).join("");
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => entry(k, v, indent))
    .join("");
}

function entry(key: string, value: unknown, indent: string): string {
  const head = `${indent}${scalar(key)}:`;
  if (isCollection(value) && !isEmpty(value)) {
    return `${head}\n${block(value, indent + INDENT)}`;
  }
  if (typeof value === "string" && literalAllowed(value)) return `${head} ${literal(value, indent + INDENT)}`;
  return `${head} ${inline(value)}\n`;
}

function sequenceItem(item: unknown, indent: string): string {
  const dash = `${indent}- `;
  if (isCollection(item) && !isEmpty(item)) {
    // The first line of a nested collection shares the dash's line; the rest align after it.
    const inner = block(item, indent + INDENT);
    return dash + inner.slice(indent.length + INDENT.length);
  }
  if (typeof item === "string" && literalAllowed(item)) return `${dash}${literal(item, indent + INDENT)}`;
  return `${dash}${inline(item)}\n`;
}

function inline(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object") return "{}";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : value > 0 ? ".inf" : value < 0 ? "-.inf" : ".nan";
  return scalar(String(value));
}

// Strings the YAML 1.1 or 1.2 core resolvers would read as something else (Go's yaml.v3 quotes
// both kinds, so older parsers read them back as strings too).
const NON_STRING = [
  /^(?:~|null|Null|NULL)$/,
  /^(?:true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/,
  /^[-+]?(?:0|[1-9][0-9_]*)$/,
  /^[-+]?0[0-7_]+$/,
  /^0o[0-7]+$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?0b[01_]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/,
  /^<<$/,
];

const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;
// Control characters, and the Unicode line/paragraph separators, need escapes.
const NEEDS_ESCAPE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

function scalar(text: string): string {
  if (text.startsWith("!include")) return doubleQuoted(text);
  if (text === "" || NON_STRING.some((re) => re.test(text))) return doubleQuoted(text);
  if (NEEDS_ESCAPE.test(text) || text.includes("\n") || text.includes("\t")) return doubleQuoted(text);
  if (plainAllowed(text)) return text;
  return `'${text.replace(/'/g, "''")}'`;
}

function plainAllowed(text: string): boolean {
  if (INDICATOR_START.test(text)) return false;
  if (/^\s|\s$/.test(text)) return false;
  if (text.includes(": ") || text.includes(" #") || text.endsWith(":")) return false;
  return !text.startsWith("---") && !text.startsWith("...");
}

function doubleQuoted(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (NEEDS_ESCAPE.test(ch)) out += code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

// Multi-line strings go in literal style, as yaml.v3 writes them, when that reads back exactly:
// printable text, no line starting with a space (that would need an indentation indicator), no
// trailing spaces.
function literalAllowed(text: string): boolean {
  if (!text.includes("\n") || NEEDS_ESCAPE.test(text) || text.includes("\r") || text.includes("\t")) return false;
  const lines = text.replace(/\n+$/, "").split("\n");
  if (/\n\n$/.test(text)) return false;
  return lines.every((line) => !/^ |\s$/.test(line)) && lines[0] !== "";
}

function literal(text: string, indent: string): string {
  const chomp = text.endsWith("\n") ? "" : "-";
  const body = text.replace(/\n$/, "").split("\n").map((line) => (line === "" ? "" : indent + line)).join("\n");
  return `|${chomp}\n${body}\n`;
}
