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
import { cliArgs, DAY_OPTIONS, fail, parseDayOptions } from "./day-options.ts";

const { values } = parseArgs({
  args: cliArgs(),
  options: {
    ...DAY_OPTIONS,
    variant: { type: "string", default: "all" },
    json: { type: "string" },
    "traffic-out": { type: "string" },
  },
});
const { style, seed, hours, addresses, batchSize } = parseDayOptions(values);
const variants: readonly GatewayVariant[] =
  values.variant === "all"
    ? GATEWAY_VARIANTS
    : GATEWAY_VARIANTS.includes(values.variant as GatewayVariant)
      ? [values.variant as GatewayVariant]
      : fail(`--variant must be ${GATEWAY_VARIANTS.join(", ")} or all, got ${values.variant}`);

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
