import { parseArgs } from "node:util";
import { createChainMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import { createLogger, type EnvSource, logLevel } from "@chainwatch/service-kit";
import { createChainStateRepository, createPostgresDatabase, runMigrations } from "@chainwatch/store";
import { z } from "zod";
import { formatBackfillProgress, runBackfill } from "./backfill.ts";
import { checkChainId, createChainRpc } from "./rpc.ts";
import { createKafkaSink } from "./sinks.ts";

export const BACKFILL_HELP = `Usage: chainwatch backfill --from <block> --to <block> [options]

Publishes the transactions of blocks <from>..<to> (inclusive) to the input topic, in block order, for the
scoring workers. Resumable: a rerun of the same range continues after its checkpoint (in PostgreSQL).
Blocks are assumed final; run it below the follower's start, or let the follower catch up on its own.

Options:
  --from <n>            first block (required)
  --to <n>              last block (required)
  --concurrency <n>     blocks fetched at once (default 8); delivery stays in order
  --rps <n>             JSON-RPC calls per second at most (default: $CHAIN_RPC_MAX_REQUESTS_PER_SECOND, or uncapped)
  --help

Settings from the environment: CHAIN_RPC_URL (comma-separated for failover), CHAIN_ID, DATABASE_URL
(checkpoints), DATABASE_SCHEMA, KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_TRANSACTIONS,
CHAIN_RPC_TIMEOUT_MS, LOG_LEVEL.

Progress (rate and ETA) goes to stderr every second; a JSON summary goes to stdout.
Exit codes: 0 done, 1 failed or interrupted (rerun to resume), 2 bad usage or settings.
`;

const CliEnvSchema = z.object({
  CHAIN_RPC_URL: z.string().min(1, "is required"),
  CHAIN_ID: z.coerce.number().int().positive(),
  DATABASE_URL: z.url(),
  DATABASE_SCHEMA: z.string().optional(),
  KAFKA_BROKERS: z.string().default("127.0.0.1:9092"),
  KAFKA_CLIENT_ID: z.string().default("chainwatch-backfill"),
  KAFKA_TOPIC_TRANSACTIONS: z.string().default("chainwatch.transactions.v1"),
  KAFKA_TOPIC_RETRACTIONS: z.string().default("chainwatch.retractions.v1"),
  CHAIN_RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  CHAIN_RPC_MAX_REQUESTS_PER_SECOND: z.coerce.number().min(0).default(0),
  LOG_LEVEL: logLevel.default("warn"),
});

const nonNegative = z.coerce.number().int().min(0);

/** `chainwatch backfill …`: resolves with the exit code. */
export async function runBackfillCli(args: string[], source: EnvSource): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`chainwatch backfill: ${message}\n\n${BACKFILL_HELP}`);
    return 2;
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        from: { type: "string" },
        to: { type: "string" },
        concurrency: { type: "string" },
        rps: { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    return fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(BACKFILL_HELP);
    return 0;
  }
  const from = nonNegative.safeParse(values.from);
  const to = nonNegative.safeParse(values.to);
  const concurrency = z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .safeParse(values.concurrency ?? "8");
  if (!from.success || !to.success) return fail("--from and --to must be block numbers");
  if (to.data < from.data) return fail("--to must not be below --from");
  if (!concurrency.success) return fail("--concurrency must be an integer from 1 to 256");
  const parsedEnv = CliEnvSchema.safeParse(source);
  if (!parsedEnv.success)
    return fail(
      parsedEnv.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "),
    );
  const env = parsedEnv.data;
  const rps = values.rps === undefined ? env.CHAIN_RPC_MAX_REQUESTS_PER_SECOND : Number(values.rps);
  if (!Number.isFinite(rps) || rps < 0) return fail("--rps must be a non-negative number");

  // stdout carries the summary JSON alone (scripts parse it); logs and progress go to stderr.
  const logger = createLogger({
    name: "chainwatch-backfill",
    level: env.LOG_LEVEL,
    destination: process.stderr,
  });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const rpc = createChainRpc({
    urls: env.CHAIN_RPC_URL.split(",")
      .map((url) => url.trim())
      .filter(Boolean),
    timeoutMs: env.CHAIN_RPC_TIMEOUT_MS,
    ...(rps > 0 ? { maxRequestsPerSecond: rps } : {}),
    logger,
    metrics: createChainMetrics(createMetricsRegistry({ collectProcessMetrics: false })),
    signal: abort.signal,
  });
  const database = await createPostgresDatabase({
    connectionString: env.DATABASE_URL,
    applicationName: "chainwatch-backfill",
    ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}),
  });
  const { createKafkaClient, createPublisher, createStreamAdmin, DEFAULT_PARTITIONS, parseBrokerList } =
    await import("@chainwatch/kafka");
  const kafka = createKafkaClient({
    brokers: parseBrokerList(env.KAFKA_BROKERS),
    clientId: env.KAFKA_CLIENT_ID,
    logger,
  });
  const admin = createStreamAdmin({ kafka, logger });
  const publisher = createPublisher({ kafka, logger });
  try {
    await checkChainId(rpc, env.CHAIN_ID);
    await runMigrations(database);
    // Existing topics are left as they are; the publisher never creates topics on its own.
    await admin.ensureTopics(
      [env.KAFKA_TOPIC_TRANSACTIONS, env.KAFKA_TOPIC_RETRACTIONS].map((topic) => ({
        topic,
        numPartitions: DEFAULT_PARTITIONS,
      })),
    );
    const result = await runBackfill({
      chainId: env.CHAIN_ID,
      rpc,
      sink: createKafkaSink({
        publisher,
        transactionsTopic: env.KAFKA_TOPIC_TRANSACTIONS,
        retractionsTopic: env.KAFKA_TOPIC_RETRACTIONS,
      }),
      state: createChainStateRepository(database),
      from: from.data,
      to: to.data,
      concurrency: concurrency.data,
      logger,
      signal: abort.signal,
      onProgress: (progress) => process.stderr.write(`${formatBackfillProgress(progress)}\n`),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.isComplete ? 0 : 1;
  } catch (error) {
    process.stderr.write(`chainwatch backfill failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rpc.close();
    await publisher.close().catch(() => {});
    await admin.close().catch(() => {});
    await database.close().catch(() => {});
  }
}
