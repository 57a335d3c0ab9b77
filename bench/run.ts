// `npm run bench [hash|load]`: every benchmark, each printing its table.

import { runHashCost } from "./hash-cost";
import { runWebhookLoad } from "./webhook-load";

async function main(): Promise<void> {
  const which = process.argv[2];
  if (!which || which === "hash") await runHashCost();
  if (!which || which === "load") await runWebhookLoad();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
