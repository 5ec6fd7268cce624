#!/usr/bin/env node
import { BACKFILL_HELP, runBackfillCli } from "@chainwatch/chain";

const [command, ...args] = process.argv.slice(2);
if (command !== "backfill") {
  process.stderr.write(
    `Usage: chainwatch-chain backfill --from <block> --to <block> [options]\n\n${BACKFILL_HELP}`,
  );
  process.exit(2);
}
process.exit(await runBackfillCli(args, process.env));
