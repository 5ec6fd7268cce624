import { parseArgs } from "node:util";
import {
  createKafkaClient,
  createPublisher,
  createStreamAdmin,
  DEFAULT_PARTITIONS,
  DEFAULT_STREAM_TOPICS,
  parseBrokerList,
} from "@chainwatch/kafka";
import { createLogger, type EnvSource } from "@chainwatch/service-kit";
import { UsageError } from "../cli-usage.ts";
import { ReplayFailedError, type ReplayProgress, replayFile } from "./replay.ts";

export const REPLAY_HELP = `Usage: chainwatch replay --input <file.csv|file.jsonl[.gz]> [options]

Publishes a file of transactions to the input topic, for demos, backfills and load.
Rows are validated as they are read; invalid rows are skipped and reported, never published.

Options:
  --input <path>        CSV (header row: hash,value,gas,gasPrice,... or the shipped al-emari columns)
                        or JSON Lines (either transaction shape); .gz is decompressed on the fly
  --rate <n>            messages per second (default: as fast as Kafka acknowledges)
  --brokers <list>      comma-separated host:port (default: $KAFKA_BROKERS or 127.0.0.1:9092)
  --topic <name>        input topic (default: $KAFKA_TOPIC_TRANSACTIONS or ${DEFAULT_STREAM_TOPICS.transactions})
  --partitions <n>      partitions if the topic must be created (default: ${DEFAULT_PARTITIONS})
  --batch-size <n>      messages per produce request (default: 500)
  --fresh-hashes        give every row a new hash per run (load tests: new work every time)
  --from-line <n>       skip the file's lines before n: resume a replay that failed part-way
  --help

Progress goes to stderr; the summary is printed as one JSON line on stdout, also when Kafka fails part-way:
it then says how many messages were published and the --from-line that continues after the last row Kafka
acknowledged (rows of a batch that failed may or may not have been stored: the store is idempotent by hash).
Exit codes: 0 done, 1 Kafka failed, 2 bad usage.
`;

const usage = (message: string) => new UsageError(message, REPLAY_HELP);

const positiveNumber = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw usage(`--${name} must be a positive number, got "${raw}"`);
  return value;
};

function parseReplayArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      input: { type: "string" },
      rate: { type: "string" },
      brokers: { type: "string" },
      topic: { type: "string" },
      partitions: { type: "string" },
      "batch-size": { type: "string" },
      "fresh-hashes": { type: "boolean", default: false },
      "from-line": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
}

/** `chainwatch replay …`: the exit code (0 done, 1 Kafka failed); bad usage throws UsageError. */
export async function runReplayCli(args: string[], env: EnvSource): Promise<number> {
  let parsed: ReturnType<typeof parseReplayArgs>;
  try {
    parsed = parseReplayArgs(args);
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  if (!values.input) throw usage("--input is required");

  const brokers = parseBrokerList(values.brokers ?? env.KAFKA_BROKERS ?? "127.0.0.1:9092");
  const topic = values.topic ?? env.KAFKA_TOPIC_TRANSACTIONS ?? DEFAULT_STREAM_TOPICS.transactions;
  const fromLine = positiveNumber("from-line", values["from-line"]);
  if (fromLine !== undefined && !Number.isInteger(fromLine))
    throw usage("--from-line must be a whole line number");
  const ratePerSecond = positiveNumber("rate", values.rate);
  const batchSize = positiveNumber("batch-size", values["batch-size"]);
  const partitions = positiveNumber("partitions", values.partitions) ?? DEFAULT_PARTITIONS;

  const logger = createLogger({ name: "chainwatch-replay", level: "warn", destination: process.stderr });
  const kafka = createKafkaClient({ brokers, clientId: "chainwatch-replay", logger });
  const admin = createStreamAdmin({ kafka, logger });
  const publisher = createPublisher({ kafka, logger, timeoutMs: 30_000 });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());

  const isTty = process.stderr.isTTY === true;
  let lastPrintedAt = 0;
  const printProgress = (progress: ReplayProgress, isFinal = false) => {
    if (!isFinal && progress.elapsedMs - lastPrintedAt < 1_000) return;
    lastPrintedAt = progress.elapsedMs;
    const line =
      `replay: ${progress.published} published, ${progress.skipped} skipped, ` +
      `${progress.ratePerSecond}/s, ${(progress.elapsedMs / 1000).toFixed(1)} s`;
    process.stderr.write(isTty ? `\r${line}\u001b[K${isFinal ? "\n" : ""}` : `${line}\n`);
  };

  let exitCode = 0;
  try {
    await admin.ensureTopics([{ topic, numPartitions: partitions }]);
    const summary = await replayFile({
      input: values.input,
      topic,
      publisher,
      ...(ratePerSecond !== undefined ? { ratePerSecond } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      freshHashes: values["fresh-hashes"],
      ...(fromLine !== undefined ? { fromLine } : {}),
      signal: controller.signal,
      onProgress: (progress) => printProgress(progress),
    });
    printProgress(summary, true);
    for (const error of summary.errors) process.stderr.write(`  line ${error.line}: ${error.message}\n`);
    if (summary.skipped > summary.errors.length) {
      process.stderr.write(`  ... and ${summary.skipped - summary.errors.length} more invalid rows\n`);
    }
    process.stdout.write(`${JSON.stringify({ topic, brokers, ...summary })}\n`);
  } catch (error) {
    process.stderr.write(`\nchainwatch replay failed: ${(error as Error).message}\n`);
    if (error instanceof ReplayFailedError) {
      const { summary } = error;
      process.stderr.write(
        `replay: ${summary.published} published before the failure; continue with --from-line ${summary.resumeFromLine}\n`,
      );
      process.stdout.write(`${JSON.stringify({ topic, brokers, failed: true, ...summary })}\n`);
    }
    exitCode = 1;
  } finally {
    await publisher.close();
    await admin.close();
  }
  return exitCode;
}
