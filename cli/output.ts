// Human and machine output. Tables are plain aligned text; --json prints one JSON document.
// Dates print as ISO 8601 in UTC; absent values as "-".

import type { CliIo } from "./io";

export type Cell = string | number | boolean | Date | null | undefined;

export function formatCell(value: Cell): string {
  if (value === null || value === undefined || value === "") return "-";
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, "Z");
  return String(value);
}

export function printTable(io: CliIo, headers: readonly string[], rows: readonly (readonly Cell[])[]): void {
  if (rows.length === 0) {
    io.stdout("(none)\n");
    return;
  }
  const text = rows.map((row) => row.map(formatCell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ");
  io.stdout(`${line(headers)}\n${text.map(line).join("\n")}\n`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export function printFields(io: CliIo, fields: readonly [string, Cell][]): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  io.stdout(fields.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${formatCell(v)}`).join("\n") + "\n");
}
