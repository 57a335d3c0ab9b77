// The one place SQL identifiers are quoted: the LISTEN statement, the migration runner and the
// metadata generator's view SQL all go through quoteIdentifier, so a hostile name cannot break out.

export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new Error("an SQL identifier cannot be empty");
  if (name.includes("\u0000")) throw new Error("an SQL identifier cannot contain a NUL character");
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, each part quoted. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/** A string literal for SQL text that cannot take parameters (DDL, NOTIFY payload names). */
export function quoteLiteral(value: string): string {
  if (value.includes("\u0000")) throw new Error("an SQL literal cannot contain a NUL character");
  const quoted = value.replace(/'/g, "''");
  // A plain '...' reads backslashes as escapes when standard_conforming_strings is off; E'...'
  // with doubled backslashes means the same text under either setting.
  return value.includes("\\") ? `E'${quoted.replace(/\\/g, "\\\\")}'` : `'${quoted}'`;
}
