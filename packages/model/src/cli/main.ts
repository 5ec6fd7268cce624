#!/usr/bin/env node
import { parseArgs } from "node:util";
import { TrainingError } from "../errors.ts";
import { usesContextFeatures } from "../features.ts";
import { readModelFile, writeModelFile } from "../model-file.ts";
import { createScorer, loadDefaultModel } from "../scorer.ts";
import { trainModelFromRows } from "../training/train-from-rows.ts";
import { DEFAULT_TRAINING_PARAMETERS, trainOptionsFrom } from "../training/training-parameters.ts";
import {
  badRowOption,
  CLI_EXIT,
  contaminationOption,
  InputError,
  integerOption,
  runCli,
  UsageError,
  validTransactions,
  whereOption,
} from "./cli-support.ts";
import { readTransactions } from "./read-transactions.ts";

/** Exit codes: part of the CLI contract, documented in --help and docs/model.md. */
const EXIT = CLI_EXIT;

const HELP = `chainwatch-model — train and run the Chainwatch Isolation Forest

Usage:
  chainwatch-model train --input <file> --out <model.json> [options]
  chainwatch-model score --input <file> [--model <model.json>]
  chainwatch-model --help

Input: .csv, .jsonl/.ndjson, optionally .gz. CSV is either the shipped training data
(block_timestamp,block_number,gas,gas_price,value,… in wei) or headers named like the simple
input shape (hash,value,gas,gasPrice,… in ETH/gwei). JSON Lines: one transaction per line, simple or
JSON-RPC shape, bare or wrapped as { "tx": {…}, … } (the detection benchmark's --traffic-out).

train options:
  --spec <1|2>               feature spec (default 1). Spec 2 adds address-context features, which need
                             the time-ordered stream: train it with chainwatch-context train
  --seed <uint32>            PRNG seed (default 42)
  --trees <n>                number of trees (default 100)
  --sample-size <n|auto>     rows per tree (default auto = min(256, rows))
  --contamination <auto|f>   auto (threshold 0.5) or expected anomaly fraction in (0, 0.5] (default auto)
  --on-bad-row <skip|fail>   skip and count bad rows, or stop at the first one (default fail)
  --where <column=value>     CSV only: keep rows whose column equals value (e.g. class=0)
  --created-at <iso date>    metadata; default: latest transaction timestamp in the input
  --source <text>            metadata naming the data; default: the input file name
  --progress-every <rows>    progress line on stderr every n rows (default 1000000; also every 5 s)

score options:
  --model <file>             model file (default: the shipped default model). A spec-2 model scores
                             without address context here (context features at their training medians)
  --on-bad-row <skip|fail>   as above (default skip: the bad line is reported in the output)
  Prints one JSON object per input row: { line, hash, anomalyScore, isAnomaly, severity, confidence,
  explanation } or { line, error }.

Exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 bad input data (bad row with
--on-bad-row fail, or no usable rows), 4 invalid model file.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === "train") return train(rest);
  if (command === "score") return score(rest);
  throw new UsageError(`unknown command "${command}"`);
}

async function train(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      input: { type: "string" },
      out: { type: "string" },
      seed: { type: "string", default: String(DEFAULT_TRAINING_PARAMETERS.seed) },
      trees: { type: "string", default: String(DEFAULT_TRAINING_PARAMETERS.trees) },
      "sample-size": { type: "string", default: DEFAULT_TRAINING_PARAMETERS.sampleSize },
      contamination: { type: "string", default: DEFAULT_TRAINING_PARAMETERS.contamination },
      "on-bad-row": { type: "string", default: "fail" },
      where: { type: "string" },
      "created-at": { type: "string" },
      "progress-every": { type: "string", default: "1000000" },
      source: { type: "string" },
      spec: { type: "string", default: "1" },
    },
  });
  if (values.spec === "2")
    throw new UsageError(
      "spec-2 models need address context from the time-ordered stream: use chainwatch-context train (packages/context)",
    );
  if (values.spec !== "1") throw new UsageError("--spec must be 1 or 2");
  if (values.input === undefined || values.out === undefined)
    throw new UsageError("--input and --out are required");
  const seed = integerOption("--seed", values.seed, 0, 0xffffffff);
  const nEstimators = integerOption("--trees", values.trees, 1, 100_000);
  const maxSamples =
    values["sample-size"] === "auto" ? "auto" : integerOption("--sample-size", values["sample-size"], 1);
  const contamination = contaminationOption(values.contamination);
  const onBadRow = badRowOption(values["on-bad-row"]);
  const progressEvery = integerOption("--progress-every", values["progress-every"], 1);

  const counts = { badRows: 0 };
  const rows = validTransactions(values.input, { where: whereOption(values.where), onBadRow }, counts);

  const started = performance.now();
  let fittingStarted = started;
  let result: Awaited<ReturnType<typeof trainModelFromRows>>;
  try {
    // The same function the gateway's training worker runs: identical rows and options, identical bytes.
    result = await trainModelFromRows(rows, {
      ...trainOptionsFrom({ seed, trees: nEstimators, sampleSize: maxSamples, contamination }),
      ...(values["created-at"] === undefined ? {} : { createdAt: values["created-at"] }),
      source: values.source ?? values.input.split("/").pop() ?? values.input,
      progressEveryRows: progressEvery,
      onProgress: (progress) => {
        if (progress.phase === "reading" && progress.rows > 0) {
          const rate = progress.rows / ((performance.now() - started) / 1000);
          process.stderr.write(`read ${progress.rows} rows (${Math.round(rate)} rows/s)\n`);
        } else if (progress.phase === "fitting") fittingStarted = performance.now();
      },
    });
  } catch (error) {
    if (error instanceof TrainingError && error.code === "TRAINING_NO_ROWS")
      throw new InputError("no usable rows in the input");
    throw error;
  }
  const { model } = result;
  writeModelFile(values.out, model);
  const { scoring } = model.content;
  process.stderr.write(
    `trained ${model.modelVersion} on ${result.rows} rows in ${((performance.now() - fittingStarted) / 1000).toFixed(1)} s: ` +
      `threshold ${scoring.threshold.toFixed(4)}, training anomaly rate ${(scoring.trainingAnomalyRate * 100).toFixed(2)} %\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ out: values.out, modelVersion: model.modelVersion, rows: result.rows, badRows: counts.badRows })}\n`,
  );
  return EXIT.ok;
}

async function score(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      input: { type: "string" },
      model: { type: "string" },
      "on-bad-row": { type: "string", default: "skip" },
    },
  });
  if (values.input === undefined) throw new UsageError("--input is required");
  const onBadRow = badRowOption(values["on-bad-row"]);
  const scorer = values.model === undefined ? loadDefaultModel() : createScorer(readModelFile(values.model));
  if (usesContextFeatures(scorer.featureSpecVersion))
    process.stderr.write(
      `model ${scorer.modelVersion} uses feature spec 2; scoring without address context (context features at their training medians)
`,
    );
  for await (const row of readTransactions(values.input)) {
    if (!row.ok) {
      if (onBadRow === "fail") throw new InputError(`line ${row.line}: ${row.message}`);
      process.stdout.write(`${JSON.stringify({ line: row.line, error: row.message })}\n`);
      continue;
    }
    const [prediction] = scorer.scoreTransactions([row.tx]);
    process.stdout.write(
      `${JSON.stringify({ line: row.line, hash: row.tx.hash, modelVersion: scorer.modelVersion, ...prediction })}\n`,
    );
  }
  return EXIT.ok;
}

await runCli("chainwatch-model", main);
