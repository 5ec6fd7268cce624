#!/usr/bin/env node
/**
 * pnpm --filter @chainwatch/loadtests bench:screening [-- options]
 *   node src/cli/screening.ts [--seed N] [--style default|heldout] [--hours 24] [--addresses 2500]
 *                             [--batch-size 500] [--allowlisted-to-listed 5] [--json out.json]
 *
 * The screening benchmark (issue #18; docs/screening.md, "Benchmark"): the contextual day with addresses of
 * the shipped deny lists in its second half, through an embedded gateway without the lists and one that
 * loads them at start with the noisiest busy address allowlisted. Prints how many transactions touching a
 * listed address are flagged with a list reason, and the busy address's false positives before and after.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { runScreeningBench } from "../detection/screening-bench.ts";
import { cliArgs, DAY_OPTIONS, parseDayOptions, positive } from "./day-options.ts";

const { values } = parseArgs({
  args: cliArgs(),
  options: {
    ...DAY_OPTIONS,
    "allowlisted-to-listed": { type: "string", default: "5" },
    json: { type: "string" },
  },
});
const day = parseDayOptions(values);
const allowlistedToListed = positive("allowlisted-to-listed", values["allowlisted-to-listed"]) ?? 5;

const log = (line: string) => process.stdout.write(`${line}\n`);
const result = await runScreeningBench({ ...day, allowlistedToListed }, log);
if (values.json) {
  await writeFile(values.json, JSON.stringify(result, null, 2));
  log(`results: ${values.json}`);
}
