// The relationship graph from metadata alone, and the shortest object-relationship path.

import path from "node:path";
import type { MetadataDir, TableFile } from "../../../metadata-gen/metadata";
import { readMetadata } from "../../../metadata-gen/metadata";
import { buildGraph, shortestObjectPath } from "../../../metadata-gen/paths";
import { REPO } from "./support";

function metadata(tables: Record<string, Record<string, unknown>>): MetadataDir {
  const map = new Map<string, TableFile>();
  for (const [name, doc] of Object.entries(tables)) {
    map.set(`public.${name}`, { table: { schema: "public", name }, file: undefined, text: undefined, doc: { table: { name, schema: "public" }, ...doc } });
  }
  return { root: "/", source: "default", tablesFile: "/tables.yaml", tablesText: "", tablesItems: [], tables: map };
}

const fk = (column: string) => ({ using: { foreign_key_constraint_on: column } });
const back = (table: string, column: string) => ({ using: { foreign_key_constraint_on: { column, table: { name: table, schema: "public" } } } });

describe("the relationship graph", () => {
  const md = metadata({
    project: { array_relationships: [{ name: "notes", ...back("note", "project_id") }, { name: "reports", ...back("report", "project_id") }] },
    report: { object_relationships: [{ name: "project", ...fk("project_id") }] },
    note: { object_relationships: [{ name: "project", ...fk("project_id") }, { name: "report", ...fk("report_id") }] },
    finding: { object_relationships: [{ name: "report", ...fk("report_id") }, { name: "mystery", ...fk("mystery_id") }] },
    twin: { object_relationships: [{ name: "a", ...fk("a_id") }, { name: "b", ...fk("b_id") }] },
  });

  it("resolves a local foreign key through the array relationship pointing back, or a declared target", () => {
    const graph = buildGraph(md, [], new Map([["public.note.report", "public.report"]]));
    expect(graph.get("public.report")?.get("project")).toMatchObject({ target: "public.project", source: "reverse", localColumns: ["project_id"] });
    expect(graph.get("public.note")?.get("report")).toMatchObject({ target: "public.report", source: "policy" });
    expect(graph.get("public.finding")?.get("mystery")).toMatchObject({ target: undefined, source: "unknown" });
    expect(graph.get("public.project")?.get("notes")).toMatchObject({ kind: "array", target: "public.note", source: "metadata" });
  });

  it("finds the shortest object path, and refuses to guess", () => {
    const graph = buildGraph(md, [], new Map([["public.note.report", "public.report"], ["public.finding.report", "public.report"]]));
    expect(shortestObjectPath(graph, "public.report", "public.project")).toEqual({ found: true, path: ["project"] });
    expect(shortestObjectPath(graph, "public.note", "public.project")).toEqual({ found: true, path: ["project"] });
    expect(shortestObjectPath(graph, "public.project", "public.project")).toEqual({ found: true, path: [] });
    // finding.mystery might be a shorter way to the project: no answer rather than a wrong one
    expect(shortestObjectPath(graph, "public.finding", "public.project")).toEqual({ found: false, reason: expect.stringContaining("the target of mystery is unknown") });
    const resolved = buildGraph(md, [], new Map([["public.finding.report", "public.report"], ["public.finding.mystery", "public.note"], ["public.note.report", "public.report"]]));
    expect(shortestObjectPath(resolved, "public.finding", "public.project")).toEqual({ found: false, reason: expect.stringContaining("ambiguous: mystery.project and report.project") });
    const twins = buildGraph(md, [], new Map([["public.twin.a", "public.report"], ["public.twin.b", "public.project"]]));
    expect(shortestObjectPath(twins, "public.twin", "public.project")).toEqual({ found: true, path: ["b"] });
  });

  it("never walks array relationships to discover a path", () => {
    const graph = buildGraph(md, [], new Map());
    expect(shortestObjectPath(graph, "public.project", "public.note")).toEqual({ found: false, reason: "no path of object relationships reaches the project table" });
  });

  it("finds Ghostwriter's paths in the reference metadata", () => {
    const reference = readMetadata(path.join(REPO, "hasura", "metadata"), "default");
    const graph = buildGraph(reference, [], new Map());
    const find = (table: string) => shortestObjectPath(graph, `public.${table}`, "public.rolodex_project");
    expect(find("rolodex_projectsubtask")).toEqual({ found: true, path: ["objective", "project"] });
    expect(find("reporting_localfindingnote")).toEqual({ found: true, path: ["finding", "report", "project"] });
    expect(find("reporting_evidence")).toEqual({ found: true, path: ["report", "project"] });
    expect(find("oplog_oplogentry")).toEqual({ found: true, path: ["log", "project"] });
    expect(find("reporting_severity")).toMatchObject({ found: false });
  });
});
