// The embedded demo has no operator to set JWT_SECRET, so it keeps a random one in its data
// directory (created once, readable by this user only). A real database never gets this: there
// the secret is required and has no default.

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export function embeddedJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, "jwt-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(48).toString("base64url"), { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return fs.readFileSync(file, "utf8").trim();
}
