// The embedded database's lock: PGlite must only ever be opened once at a time (two instances on
// one directory corrupt it). A pid file in the data directory says which process has it; a set
// says whether this process already does (the pid file cannot tell two opens in one apart).

import fs from "node:fs";
import path from "node:path";
import { EmbeddedDatabaseBusyError } from "../errors";

const openInThisProcess = new Set<string>();

/** Takes the directory or throws EmbeddedDatabaseBusyError; returns the (idempotent) release. */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const key = fs.realpathSync(dataDir);
  const lockFile = path.join(dataDir, "sidecar.pid");
  if (openInThisProcess.has(key)) {
    throw new EmbeddedDatabaseBusyError(`the embedded database in ${dataDir} is in use: this process already has it open; close it first, or set DATABASE_URL`);
  }
  // Exclusive create, so two processes starting at once cannot both take a free directory.
  if (!createLockFile(lockFile)) {
    const holder = readLockHolder(lockFile);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new EmbeddedDatabaseBusyError(
        `the embedded database in ${dataDir} is in use by process ${holder}; stop it first, or set DATABASE_URL`,
      );
    }
    // Left by a process that is gone, or by this one without a release: take it over.
    fs.writeFileSync(lockFile, String(process.pid));
  }
  openInThisProcess.add(key);
  let released = false;
  return () => {
    // Idempotent: a second close must not release a later open of the same directory.
    if (released) return;
    released = true;
    openInThisProcess.delete(key);
    if (readLockHolder(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
  };
}

function createLockFile(lockFile: string): boolean {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function readLockHolder(lockFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
