// The emitter writes what `hasura metadata export` writes: re-emitting a parsed export file gives
// its bytes back, and whatever it writes parses back to the same value.

import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { emitKeyBlock, emitYaml } from "../../../metadata-gen/render/yaml";
import { REPO } from "./support";

function roundTrip(value: unknown): unknown {
  return load(emitYaml(value));
}

describe("emitYaml", () => {
  it("writes export layout: sequences indented under their key, {} and [] inline, one trailing newline", () => {
    const text = emitYaml({
      table: { name: "article", schema: "public" },
      select_permissions: [{ role: "user", permission: { columns: "*", filter: {}, query_root_fields: [] } }],
    });
    expect(text).toBe(
      [
        "table:",
        "  name: article",
        "  schema: public",
        "select_permissions:",
        "  - role: user",
        "    permission:",
        "      columns: '*'",
        "      filter: {}",
        "      query_root_fields: []",
        "",
      ].join("\n"),
    );
  });

  it("double-quotes includes and strings that would read as other types", () => {
    expect(emitYaml(["!include public_x.yaml"])).toBe('- "!include public_x.yaml"\n');
    for (const s of ["true", "no", "null", "~", "123", "0x1f", "1.5", "1e3", ".inf", "2024-01-02", ""]) {
      expect(emitYaml({ v: s })).toBe(`v: "${s}"\n`);
      expect(roundTrip({ v: s })).toEqual({ v: s });
    }
    expect(emitYaml({ insertion_order: null, count: 3, b: false })).toBe("insertion_order: null\ncount: 3\nb: false\n");
    expect(emitYaml({ n: "y" })).toBe(`"n": "y"\n`); // YAML 1.1 booleans, quoted as yaml.v3 does
  });

  it("keeps session variables and names plain, quotes indicators", () => {
    expect(emitYaml({ _eq: "X-Hasura-Service-Token-Id" })).toBe("_eq: X-Hasura-Service-Token-Id\n");
    expect(emitYaml({ a: "*", b: "- x", c: "a: b", d: "#x", e: "it's" })).toBe("a: '*'\nb: '- x'\nc: 'a: b'\nd: '#x'\ne: it's\n");
  });

  it("reads back hostile strings exactly", () => {
    const hostile = ['x"; DROP TABLE users_user; --', "a\nb", "tab\there", "$views$", "'quoted'", " lead", "trail ", "\u0007bell", "ünïcödé", "- [a, b]: {c}", "a\n\nb\n"];
    for (const s of hostile) {
      expect(roundTrip({ [s]: s, list: [s] })).toEqual({ [s]: s, list: [s] });
    }
  });

  it("emits multi-line strings in literal style", () => {
    expect(emitYaml({ sql: "SELECT 1\nFROM t" })).toBe("sql: |-\n  SELECT 1\n  FROM t\n");
    expect(emitYaml({ sql: "x\ny\n" })).toBe("sql: |\n  x\n  y\n");
  });

  it("emits nested sequences and maps inside sequence items", () => {
    const value = { _or: [{ a: { _eq: 1 } }, { _and: [{ b: { _in: [1, 2] } }] }], l: [[1, 2], []] };
    expect(roundTrip(value)).toEqual(value);
    expect(emitKeyBlock("k", { a: 1 })).toBe("k:\n  a: 1\n");
  });

  it("gives back the bytes of every table file of the reference Hasura project", () => {
    const dir = path.join(REPO, "hasura", "metadata", "databases", "default", "tables");
    const files = fs.readdirSync(dir);
    expect(files.length).toBeGreaterThan(49);
    for (const file of files) {
      const text = fs.readFileSync(path.join(dir, file), "utf8");
      expect({ file, text: emitYaml(load(text)) }).toEqual({ file, text });
    }
    const databases = fs.readFileSync(path.join(REPO, "hasura", "metadata", "databases", "databases.yaml"), "utf8");
    expect(emitYaml(load(databases))).toBe(databases);
  });
});
