#!/usr/bin/env node
import { parseArgs } from "node:util";
import {
  badRowOption,
  CLI_EXIT,
  contaminationOption,
  DEFAULT_TRAINING_PARAMETERS,
  InputError,
  integerOption,
  runCli,
  TrainingError,
  trainOptionsFrom,
  UsageError,
  validTransactions,
  whereOption,
  writeModelFile,
} from "@chainwatch/model";
import { trainSpec2Model } from "../training/train-spec-2.ts";

/** Exit codes: the same contract as chainwatch-model's (docs/model.md). */
const EXIT = CLI_EXIT;

const HELP = `chainwatch-context — address-context tools

Usage:
  chainwatch-context train --input <file> --out <model.json> [options]
  chainwatch-context --help

train: a feature-spec-2 model (spec 1 + address-context features). The input must be in time order: each
transaction goes through an in-memory address state, batch by batch, and is trained on with the context it
had before its own update — what the scoring service serves and stores for it.

Input: .jsonl/.ndjson (one transaction per line, simple or JSON-RPC shape, bare or wrapped as
{ "tx": {…}, … } like the detection benchmark's --traffic-out) or .csv, optionally .gz, as chainwatch-model
reads them. Transactions need from/to for context to mean anything.

train options:
  --batch-size <n>           transactions per address-state batch (default 1000; the rows do not depend on it)
  --seed <uint32>            PRNG seed (default 42)
  --trees <n>                number of trees (default 100)
  --sample-size <n|auto>     rows per tree (default auto = min(256, rows))
  --contamination <auto|f>   auto (threshold 0.5) or expected anomaly fraction in (0, 0.5] (default auto)
  --on-bad-row <skip|fail>   skip and count bad rows, or stop at the first one (default fail)
  --where <column=value>     CSV only: keep rows whose column equals value
  --created-at <iso date>    metadata; default: latest transaction timestamp in the input
  --source <text>            metadata naming the data; default: the input file name
  --progress-every <rows>    progress line on stderr every n rows (default 1000000; also every 5 s)

Exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 bad input data (bad row with
--on-bad-row fail, or no usable rows).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === "train") return train(rest);
  throw new UsageError(`unknown command "${command}"`);
}

async function train(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      input: { type: "string" },
      out: { type: "string" },
      "batch-size": { type: "string", default: "1000" },
      seed: { type: "string", default: String(DEFAULT_TRAINING_PARAMETERS.seed) },
      trees: { type: "string", default: String(DEFAULT_TRAINING_PARAMETERS.trees) },
      "sample-size": { type: "string", default: DEFAULT_TRAINING_PARAMETERS.sampleSize },
      contamination: { type: "string", default: DEFAULT_TRAINING_PARAMETERS.contamination },
      "on-bad-row": { type: "string", default: "fail" },
      where: { type: "string" },
      "created-at": { type: "string" },
      "progress-every": { type: "string", default: "1000000" },
      source: { type: "string" },
    },
  });
  if (values.input === undefined || values.out === undefined)
    throw new UsageError("--input and --out are required");
  const input = values.input;
  const batchSize = integerOption("--batch-size", values["batch-size"], 1, 1_000_000);
  const seed = integerOption("--seed", values.seed, 0, 0xffffffff);
  const trees = integerOption("--trees", values.trees, 1, 100_000);
  const sampleSize =
    values["sample-size"] === "auto" ? "auto" : integerOption("--sample-size", values["sample-size"], 1);
  const contamination = contaminationOption(values.contamination);
  const onBadRow = badRowOption(values["on-bad-row"]);
  const progressEvery = integerOption("--progress-every", values["progress-every"], 1);
  const counts = { badRows: 0 };
  const transactions = validTransactions(input, { where: whereOption(values.where), onBadRow }, counts);

  const started = performance.now();
  let result: Awaited<ReturnType<typeof trainSpec2Model>>;
  try {
    result = await trainSpec2Model(transactions, {
      ...trainOptionsFrom({ seed, trees, sampleSize, contamination }),
      ...(values["created-at"] === undefined ? {} : { createdAt: values["created-at"] }),
      source: values.source ?? input.split("/").pop() ?? input,
      batchSize,
      progressEveryRows: progressEvery,
      onProgress: (progress) => {
        if (progress.phase === "reading" && progress.rows > 0) {
          const rate = progress.rows / ((performance.now() - started) / 1000);
          process.stderr.write(`read ${progress.rows} rows (${Math.round(rate)} rows/s)\n`);
        }
      },
    });
  } catch (error) {
    if (error instanceof TrainingError && error.code === "TRAINING_NO_ROWS")
      throw new InputError("no usable rows in the input");
    throw error;
  }
  const { model, rows, duplicates, outOfOrder } = result;
  writeModelFile(values.out, model);
  if (outOfOrder > 0)
    process.stderr.write(
      `warning: ${outOfOrder} transaction(s) older than one before them; the input should be in time order\n`,
    );
  process.stderr.write(
    `trained ${model.modelVersion} (feature spec 2) on ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `threshold ${model.content.scoring.threshold.toFixed(4)}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ out: values.out, modelVersion: model.modelVersion, featureSpecVersion: 2, rows, badRows: counts.badRows, duplicates, outOfOrder })}\n`,
  );
  return EXIT.ok;
}

await runCli("chainwatch-context", main);
