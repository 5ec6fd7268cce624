import { createHash } from "node:crypto";
import {
  encodeMessage,
  inputMessageKey,
  MESSAGE_SCHEMA_VERSION,
  type OutgoingMessage,
  type Publisher,
  type TransactionMessage,
} from "@chainwatch/kafka";
import { type NormalizedTransaction, type RowOutcome, readTransactions } from "@chainwatch/model";
import { sleep } from "@chainwatch/service-kit";

export interface ReplayOptions {
  /** CSV (generic or the shipped al-emari flavour) or JSON Lines, optionally .gz; read as a stream. */
  input: string;
  topic: string;
  publisher: Pick<Publisher, "publish">;
  /** Messages per second; unset → as fast as Kafka acknowledges. */
  ratePerSecond?: number;
  /** Messages per produce request. */
  batchSize?: number;
  /**
   * Derive a new hash per run (sha256 of a run id and the original hash), so a load test does new work
   * every time instead of replays the idempotent store absorbs.
   */
  freshHashes?: boolean;
  source?: string;
  /** Called after every published batch and once at the end. */
  onProgress?: (progress: ReplayProgress) => void;
  /** Stop early (Ctrl-C): the batch in flight finishes, the summary reports what was published. */
  signal?: AbortSignal;
  /** Invalid rows kept for the summary (the first few). */
  maxReportedErrors?: number;
  /** Skip rows before this file line (1-based): resume a replay that failed, from its `resumeFromLine`. */
  fromLine?: number;
  /** Injected for tests. */
  read?: (path: string) => AsyncIterable<RowOutcome>;
  now?: () => number;
}

export interface ReplayProgress {
  read: number;
  published: number;
  skipped: number;
  elapsedMs: number;
  /** Published messages per second since the start. */
  ratePerSecond: number;
}

export interface ReplaySummary extends ReplayProgress {
  errors: { line: number; message: string }[];
  isComplete: boolean;
  /** The file line to pass as `fromLine` to continue after everything Kafka acknowledged. */
  resumeFromLine: number;
}

/**
 * Publishing failed part-way: `summary` says how far it got. Every row before `summary.resumeFromLine` was
 * acknowledged by Kafka (or skipped as invalid); nothing after it was.
 */
export class ReplayFailedError extends Error {
  readonly summary: ReplaySummary;
  constructor(summary: ReplaySummary, cause: unknown) {
    super(
      `publishing failed after ${summary.published} messages; resume with --from-line ${summary.resumeFromLine}: ${(cause as Error).message}`,
      { cause },
    );
    this.name = "ReplayFailedError";
    this.summary = summary;
  }
}

/** The transaction as the JSON-RPC shape: hex quantities in wei, exact for any amount. */
export function toRpcTransaction(tx: NormalizedTransaction): Record<string, unknown> {
  const hex = (value: bigint | number) => `0x${value.toString(16)}`;
  return {
    hash: tx.hash,
    value: hex(tx.valueWei),
    gas: hex(tx.gas),
    gasPrice: hex(tx.gasPriceWei),
    ...(tx.maxFeePerGasWei !== null ? { maxFeePerGas: hex(tx.maxFeePerGasWei) } : {}),
    ...(tx.maxPriorityFeePerGasWei !== null ? { maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGasWei) } : {}),
    ...(tx.from !== null ? { from: tx.from } : {}),
    to: tx.to,
    ...(tx.nonce !== null ? { nonce: hex(tx.nonce) } : {}),
    input: tx.input,
    ...(tx.blockNumber !== null ? { blockNumber: hex(tx.blockNumber) } : {}),
    ...(tx.timestamp !== null ? { timestamp: hex(tx.timestamp) } : {}),
    ...(tx.txType !== null ? { type: hex(tx.txType) } : {}),
  };
}

/**
 * Publishes a file of transactions to the input topic, validated row by row (invalid rows are skipped
 * and reported, not published), in produce batches, optionally at a fixed rate. Messages are keyed by
 * sender (the hash without one), so each sender's transactions are scored in file order.
 */
export async function replayFile(options: ReplayOptions): Promise<ReplaySummary> {
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const rate = options.ratePerSecond;
  // At a low rate, small batches keep the pace smooth (about ten sends per second).
  const sendSize = rate === undefined ? batchSize : Math.max(1, Math.min(batchSize, Math.floor(rate / 10)));
  const now = options.now ?? (() => performance.now());
  const runId = `${Date.now()}-${Math.random()}`;
  const source = options.source ?? "replay";
  const maxErrors = options.maxReportedErrors ?? 10;
  const startedAt = now();
  const progress: ReplayProgress = { read: 0, published: 0, skipped: 0, elapsedMs: 0, ratePerSecond: 0 };
  const errors: { line: number; message: string }[] = [];
  const fromLine = options.fromLine ?? 1;
  let batch: OutgoingMessage[] = [];
  // The last file line whose row is acknowledged (or skipped): a resume starts right after it.
  let acknowledgedThroughLine = fromLine - 1;
  let lastReadLine = fromLine - 1;

  const report = () => {
    progress.elapsedMs = Math.round(now() - startedAt);
    progress.ratePerSecond =
      progress.elapsedMs > 0 ? Math.round((progress.published * 1000) / progress.elapsedMs) : 0;
    options.onProgress?.({ ...progress });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    const throughLine = lastReadLine;
    batch = [];
    await options.publisher.publish([{ topic: options.topic, messages: sending }]);
    progress.published += sending.length;
    acknowledgedThroughLine = throughLine;
    report();
    if (rate !== undefined) {
      // Pace: the n-th message is due at n / rate seconds after the start.
      const dueMs = (progress.published * 1000) / rate - (now() - startedAt);
      if (dueMs > 0) await sleep(dueMs, options.signal);
    }
  };

  const summary = (isComplete: boolean): ReplaySummary => ({
    ...progress,
    errors,
    isComplete,
    resumeFromLine: acknowledgedThroughLine + 1,
  });

  const read = options.read ?? readTransactions;
  try {
    for await (const row of read(options.input)) {
      if (options.signal?.aborted) break;
      if (row.line < fromLine) continue;
      progress.read++;
      // With nothing pending, the rows read since the last send (all invalid) are done too.
      if (batch.length === 0) acknowledgedThroughLine = lastReadLine;
      lastReadLine = row.line;
      if (!row.ok) {
        progress.skipped++;
        if (errors.length < maxErrors) errors.push({ line: row.line, message: row.message });
        continue;
      }
      const hash = options.freshHashes
        ? `0x${createHash("sha256").update(`${runId}:${row.tx.hash}`).digest("hex")}`
        : row.tx.hash;
      const message: TransactionMessage = {
        schemaVersion: MESSAGE_SCHEMA_VERSION,
        transaction: toRpcTransaction({ ...row.tx, hash }),
        source,
        publishedAt: new Date().toISOString(),
      };
      // Keyed by sender: a sender's rows reach one worker in file order (address context needs it).
      batch.push({ key: inputMessageKey({ hash, from: row.tx.from }), value: encodeMessage(message) });
      if (batch.length >= sendSize) await flush();
    }
    if (!options.signal?.aborted) {
      await flush();
      acknowledgedThroughLine = lastReadLine;
    }
  } catch (error) {
    report();
    throw new ReplayFailedError(summary(false), error);
  }
  report();
  return summary(!options.signal?.aborted);
}
