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
import { TRAFFIC_STYLES, type TrafficStyle } from "../detection/traffic-options.ts";

const argv = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--"));
const { values } = parseArgs({
  args: argv,
  options: {
    seed: { type: "string" },
    style: { type: "string", default: "default" },
    hours: { type: "string" },
    addresses: { type: "string" },
    "batch-size": { type: "string", default: "500" },
    "allowlisted-to-listed": { type: "string", default: "5" },
    json: { type: "string" },
  },
});

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};
const positive = (name: string, text: string | undefined, isInteger = true): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0) || (isInteger && !Number.isInteger(value)))
    fail(`--${name} must be a positive ${isInteger ? "integer" : "number"}, got ${text}`);
  return value;
};
const style = values.style as TrafficStyle;
if (!TRAFFIC_STYLES.includes(style)) fail(`--style must be one of ${TRAFFIC_STYLES.join(", ")}`);
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
  fail("--seed must be a uint32");
const hours = positive("hours", values.hours, false);
const addresses = positive("addresses", values.addresses);

const log = (line: string) => process.stdout.write(`${line}\n`);
const result = await runScreeningBench(
  {
    style,
    ...(seed === undefined ? {} : { seed }),
    ...(hours === undefined ? {} : { hours }),
    ...(addresses === undefined ? {} : { addresses }),
    batchSize: positive("batch-size", values["batch-size"]) ?? 500,
    allowlistedToListed: positive("allowlisted-to-listed", values["allowlisted-to-listed"]) ?? 5,
  },
  log,
);
if (values.json) {
  await writeFile(values.json, JSON.stringify(result, null, 2));
  log(`results: ${values.json}`);
}
