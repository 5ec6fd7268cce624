import { getHeapStatistics } from "node:v8";
import type { StoreMetrics } from "@chainwatch/metrics";
import {
  createTransactionPipeline,
  type ScoringService,
  type TransactionPipeline,
} from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import type { CorrectedPrediction, RecordScoredResult, Repositories } from "@chainwatch/store";
import type { GatewayEnv } from "../env.ts";

/**
 * The gateway's one write path: predict answers first and stores through the pipeline's write-behind queue
 * (DB_WRITE_*), embedded ingest stores durably before it answers (a request waits for at most ~0.7 s of
 * store retries, then gets 503). Both share record building, shadow scoring and `afterStore`.
 */
export function createGatewayPipeline(options: {
  env: GatewayEnv;
  logger: Logger;
  scoring: ScoringService;
  repositories: Pick<Repositories, "recordScored" | "applyIncidentCorrections">;
  storeMetrics: StoreMetrics;
  afterStore: (stored: RecordScoredResult) => Promise<void>;
  /** Corrected verdicts flagged or changed anomalies (the anomaly pages' cache is stale then). */
  onIncidentsCorrected?: (corrected: CorrectedPrediction[]) => Promise<void>;
}): TransactionPipeline {
  const { env, logger, storeMetrics } = options;
  const configured = env.DB_WRITE_QUEUE_MAX ?? defaultWriteQueueMax(env);
  const maxQueueSize = writeQueueBound(configured, getHeapStatistics().heap_size_limit);
  if (maxQueueSize < configured) {
    logger.warn(
      { configured, bound: maxQueueSize, heapLimitMiB: heapLimitMiB() },
      "write-behind queue bounded below DB_WRITE_QUEUE_MAX to fit the heap limit (--max-old-space-size)",
    );
  }
  return createTransactionPipeline({
    scoring: options.scoring,
    recordScored: options.repositories.recordScored,
    storeRetry: { initialDelayMs: 100, maxDelayMs: 400, maxAttempts: 3 },
    afterStore: options.afterStore,
    applyIncidentCorrections: (corrections) => options.repositories.applyIncidentCorrections(corrections),
    onIncidentsCorrected: options.onIncidentsCorrected,
    onIncidentError: (error) =>
      logger.warn({ err: error }, "incident corrections failed; earlier members keep their verdicts"),
    onShadowError: (error) => logger.warn({ err: error }, "shadow scoring failed; shadow rows missing"),
    deferredWrites: {
      logger,
      maxQueueSize,
      batchSize: env.DB_WRITE_BATCH_SIZE,
      flushIntervalMs: env.DB_WRITE_FLUSH_INTERVAL_MS,
      stopTimeoutMs: writeBehindStopBudgetMs(env),
      metrics: {
        depth: (items) => storeMetrics.writeQueueDepth.set(items),
        dropped: (items) => storeMetrics.writeQueueDroppedTotal.inc(items),
        written: (items) => storeMetrics.writeQueueWrittenTotal.inc(items),
        failures: () => storeMetrics.writeFailuresTotal.inc(),
      },
    },
  });
}

/**
 * 50,000 records before PostgreSQL (a few seconds of a busy gateway: room to ride out a slow moment or a
 * failover). 10,000 before the embedded PGlite, which writes ~3,000 rows a second: a larger backlog only
 * held memory (the embedded soak reached 1.46 GiB of RSS with a 537 MiB heap while PGlite fell behind) and
 * delayed the moment load is shed.
 */
export function defaultWriteQueueMax(env: Pick<GatewayEnv, "DATABASE_URL">): number {
  return env.DATABASE_URL ? 50_000 : 10_000;
}

/**
 * Heap a queued record holds until written: the record with its verdict, explanation, reasons and features
 * (measured 4.4 KB per record scored and queued, in-process cache and context included; rounded down).
 */
export const QUEUED_RECORD_BYTES = 4_096;
/** Share of the heap limit the write-behind queue may fill: the rest is requests, cache and context. */
export const QUEUE_HEAP_SHARE = 0.25;

const heapLimitMiB = () => Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);

/**
 * DB_WRITE_QUEUE_MAX, lowered to what a quarter of the heap limit holds. A gateway run with
 * `--max-old-space-size=256` (the memory setting docs/operations.md recommends) and the default 50,000
 * crashed out of memory once the queue filled (a store behind or down), losing everything queued; with
 * 256 MiB the queue is bounded at ~16,000 records and load is shed (or, store down, dropped and counted)
 * from there.
 */
export function writeQueueBound(configured: number, heapLimitBytes: number): number {
  return Math.max(
    1,
    Math.min(configured, Math.floor((heapLimitBytes * QUEUE_HEAP_SHARE) / QUEUED_RECORD_BYTES)),
  );
}

/** What closing the clients after the flush is given of the shutdown budget. */
const CLOSE_RESERVE_MS = 2_000;

/**
 * The flush at shutdown gets what the shutdown budget leaves after the HTTP drain and the clients' close,
 * not a fixed few seconds: on a slow or loaded machine a fixed 5 s lost answered predictions (15 of 525 in
 * a CI run at load 11) while 10 s of the budget went unused. At least 1 s.
 */
export function writeBehindStopBudgetMs(
  env: Pick<GatewayEnv, "SHUTDOWN_TIMEOUT_MS" | "HTTP_DRAIN_TIMEOUT_MS">,
): number {
  return Math.max(1_000, env.SHUTDOWN_TIMEOUT_MS - env.HTTP_DRAIN_TIMEOUT_MS - CLOSE_RESERVE_MS);
}
