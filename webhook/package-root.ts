// Finds the installed package's root (the folder holding package.json), from source or from dist/,
// so migrations/ and hasura/ are found wherever the code runs from.

import fs from "node:fs";
import path from "node:path";

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "hasura-token-sidecar") {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the hasura-token-sidecar package root");
    dir = parent;
  }
}
