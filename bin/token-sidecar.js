#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
"use strict";
let cli;
try {
  cli = require("../dist/cli/main.js");
} catch (error) {
  if (error && error.code === "MODULE_NOT_FOUND") {
    process.stderr.write("token-sidecar: the compiled CLI is missing; run `npm run build` (or `npm ci`) first\n");
    process.exit(70);
  }
  throw error;
}
cli.main(process.argv).then((code) => { process.exitCode = code; });
