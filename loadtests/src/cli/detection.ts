#!/usr/bin/env node
/**
 * pnpm --filter @chainwatch/loadtests bench:detection [-- options]
 *   node src/cli/detection.ts [--seed N] [--variant embedded|redis|embedded+baseline|all]
 *                             [--hours 24] [--addresses 2500] [--style default|heldout]
 *                             [--batch-size 500] [--json out.json] [--traffic-out day.jsonl]
 *
 * The contextual-detection benchmark (issue #17; docs/model.md, "Contextual benchmark"): a seeded day of
 * Ethereum-like traffic with labelled contextual anomalies in its second half, a stateless Isolation
 * Forest trained on its first half, and the day through the gateway (embedded, with Redis, and embedded
 * with the auto-baseline policy training, shadowing and judging a model of the day's first half). Prints
 * ROC-AUC and recall per kind and the share of normal traffic flagged. `--traffic-out` writes the day
 * itself (one `{ tx, label, eventId }` per line) for offline work on a detector.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { contextualTrafficOptions, generateContextualTraffic } from "../detection/contextual-traffic.ts";
import { GATEWAY_VARIANTS, type GatewayVariant } from "../detection/gateway-run.ts";
import { runDetectionBench } from "../detection/run-benchmark.ts";
import { TRAFFIC_STYLES, type TrafficStyle } from "../detection/traffic-options.ts";

// `pnpm … bench:detection -- --seed 3` passes the "--" through; it separates nothing here.
const argv = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--"));
const { values } = parseArgs({
  args: argv,
  options: {
    seed: { type: "string" },
    variant: { type: "string", default: "all" },
    hours: { type: "string" },
    addresses: { type: "string" },
    style: { type: "string", default: "default" },
    "batch-size": { type: "string", default: "500" },
    json: { type: "string" },
    "traffic-out": { type: "string" },
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
const variants: readonly GatewayVariant[] =
  values.variant === "all"
    ? GATEWAY_VARIANTS
    : GATEWAY_VARIANTS.includes(values.variant as GatewayVariant)
      ? [values.variant as GatewayVariant]
      : fail(`--variant must be ${GATEWAY_VARIANTS.join(", ")} or all, got ${values.variant}`);
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
  fail("--seed must be a uint32");
const hours = positive("hours", values.hours, false);
const addresses = positive("addresses", values.addresses);
const batchSize = positive("batch-size", values["batch-size"]) ?? 500;

const log = (line: string) => process.stdout.write(`${line}\n`);

if (values["traffic-out"]) {
  const traffic = generateContextualTraffic(
    contextualTrafficOptions(style, {
      ...(seed === undefined ? {} : { seed }),
      ...(hours === undefined ? {} : { hours }),
      ...(addresses === undefined ? {} : { addresses }),
    }),
  );
  await writeFile(
    values["traffic-out"],
    `${traffic.transactions.map((t) => JSON.stringify(t)).join("\n")}\n`,
  );
  log(`traffic: ${traffic.transactions.length} transactions → ${values["traffic-out"]}`);
}

const result = await runDetectionBench(
  {
    style,
    ...(seed === undefined ? {} : { seed }),
    ...(hours === undefined ? {} : { hours }),
    ...(addresses === undefined ? {} : { addresses }),
    variants,
    batchSize,
    // The one place this harness reads the environment: where the local Redis is.
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  },
  log,
);
if (values.json) {
  await writeFile(values.json, JSON.stringify(result, null, 2));
  log(`results: ${values.json}`);
}
