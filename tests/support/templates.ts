// Template databases for the PostgreSQL test path: one per schema kind, named after a checksum of
// the migration files, so a changed migration gets a fresh template and an old one is never used.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export type SchemaKind = "empty" | "reference" | "migrated";

const MIGRATIONS = path.join(__dirname, "..", "..", "migrations");

function migrationsChecksum(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".sql")) hash.update(entry.name).update(fs.readFileSync(full));
    }
  };
  walk(MIGRATIONS);
  return hash.digest("hex").slice(0, 12);
}

export function templateName(schema: SchemaKind): string {
  return `hts_tpl_${schema}_${migrationsChecksum()}`;
}
