// The configuration tables in docs/operations.md and README.md name exactly the variables
// webhook/config.ts reads, with the same defaults and secret flags, so the docs cannot drift.

import fs from "node:fs";
import path from "node:path";
import { SETTINGS } from "../../../webhook/config";

interface DocumentedSetting {
  names: string[];
  default: string | undefined;
  secret: boolean;
}

/** Rows of the first markdown table whose header starts with "| variable | default | secret |". */
function documentedSettings(file: string): DocumentedSetting[] {
  const lines = fs.readFileSync(path.join(__dirname, "..", "..", "..", file), "utf8").split("\n");
  const start = lines.findIndex((line) => /^\|\s*variable\s*\|\s*default\s*\|\s*secret\s*\|/.test(line));
  if (start === -1) throw new Error(`${file} has no configuration table`);
  const rows: DocumentedSetting[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const [variable, defaultCell, secret] = line.split("|").slice(1, 4).map((cell) => cell.trim()) as [string, string, string];
    const names = [...variable.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string);
    const defaultValue = /^`(.*)`$/.exec(defaultCell)?.[1];
    rows.push({ names, default: defaultCell === "—" ? undefined : defaultValue, secret: secret === "yes" });
  }
  return rows;
}

describe.each(["docs/operations.md", "README.md"])("the configuration reference in %s", (file) => {
  const documented = documentedSettings(file);

  it("names exactly the variables the config module reads", () => {
    const inDocs = documented.flatMap((d) => d.names).sort();
    const inCode = SETTINGS.flatMap((s) => [s.name, ...(s.aliases ?? [])]).sort();
    expect(inDocs).toEqual(inCode);
  });

  it("gives each variable's default and whether it is a secret", () => {
    for (const setting of SETTINGS) {
      const row = documented.find((d) => d.names[0] === setting.name);
      expect({ name: setting.name, default: row?.default, secret: row?.secret }).toEqual({ name: setting.name, default: setting.default, secret: setting.secret });
    }
  });
});
