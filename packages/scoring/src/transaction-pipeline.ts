import {
  type NormalizedTransaction,
  safeNormalizeTransaction,
  type ValidationIssue,
} from "@chainwatch/model";
import { ChainwatchError, type Logger, type RetryOptions, retryWithBackoff } from "@chainwatch/service-kit";
import {
  type CorrectedPrediction,
  createWriteBehindQueue,
  isStoreValidationError,
  MAX_INCIDENT_CORRECTIONS,
  type RecordOrigin,
  type RecordScoredResult,
  type ScoredTransactionRecord,
  type WriteBehindQueueMetrics,
} from "@chainwatch/store";
import { newlyScoredRecords, shadowRecords, toScoredRecord } from "./scored-record.ts";
import type {
  BatchScoreOutcome,
  IncidentCorrection,
  ScoreResult,
  ScoringByproducts,
  ScoringService,
} from "./scoring-service.ts";

/** One transaction to process; `ref` is the caller's handle (a Kafka offset, a request index). */
export interface PipelineItem<Ref> {
  ref: Ref;
  /** The transaction as received (either input shape); validated here. */
  payload: unknown;
  /** Who sent it and through which path: stored with a content conflict it causes. */
  origin?: RecordOrigin;
}

export interface ScoredItem<Ref> {
  ref: Ref;
  transaction: NormalizedTransaction;
  result: ScoreResult;
  /** What was stored for it (features included for anomalies). */
  record: ScoredTransactionRecord;
}

/**
 * - `invalid_transaction`: fails validation (the caller's fault; `issues` names each field);
 * - `unscoreable`: valid, but the model or the store cannot handle it (retrying cannot help).
 */
export type RejectionReason = "invalid_transaction" | "unscoreable";

export interface RejectedItem<Ref> {
  ref: Ref;
  reason: RejectionReason;
  message: string;
  issues: ValidationIssue[];
  /** The hash the item claimed, when it had a string one. */
  hash: string | null;
}

export interface PipelineOutcome<Ref> {
  /** In input order; duplicates of a hash each get an entry (same result). */
  scored: ScoredItem<Ref>[];
  /** In input order. */
  rejected: RejectedItem<Ref>[];
  /**
   * Rows written by this call; a redelivered transaction counts 0 (already stored). `conflicts`: hashes
   * whose stored content this call replaced with other content (the caller logs, counts, audits them).
   */
  stored: RecordScoredResult;
  /**
   * Stored verdicts of earlier transactions this call's incidents changed (none when there were none, or
   * when they were changed before: a redelivery). The worker publishes them as corrections.
   */
  corrected: CorrectedPrediction[];
}

export interface ProcessOptions {
  /** Aborting gives up the store retries: `process` rejects with RetryAbortedError and nothing is durable. */
  signal?: AbortSignal;
  /** Called before each store retry wait (a Kafka consumer heartbeats here). */
  onStoreRetry?: (error: unknown, attempt: number) => void | Promise<void>;
}

/**
 * The one path from a transaction to the store, in two durabilities:
 * - `process` (durable): validate → cache-aware score → idempotent store write, retried, before it
 *   resolves. The scoring worker and the ingest API in embedded mode.
 * - `scoreDeferred`: score now, answer now; the records of what was newly computed go through a bounded
 *   write-behind queue. The predict API, whose answer must not wait for the database. Room for a call's
 *   records is reserved before it is scored. When the queue cannot take them while the store is writing
 *   (behind, not down), the call is refused with `WriteBacklogError` (the gateway's 503): load is shed
 *   instead of answering verdicts whose records would be dropped. While the store's writes fail (down),
 *   the call is answered and what does not fit is dropped and counted (decision 0003: scoring stays up
 *   through a database outage).
 * Both build records the same way (with the fingerprints and features the scorer computed), score shadow
 * models after the served results are handed to the store, and run `afterStore` after each durable write.
 */
export interface TransactionPipeline {
  process<Ref>(items: readonly PipelineItem<Ref>[], options?: ProcessOptions): Promise<PipelineOutcome<Ref>>;
  /** Validated transactions in, their results out; storing follows (needs `deferredWrites`). */
  scoreDeferred(
    transactions: readonly NormalizedTransaction[],
    origin?: RecordOrigin,
  ): Promise<BatchScoreOutcome>;
  /** Starts and stops (flushes) the write-behind queue of `scoreDeferred`; no-ops without one. */
  start(): void;
  stop(): Promise<void>;
  /** Records waiting in the write-behind queue, and whether its last write succeeded. */
  deferredDepth(): number;
  isDeferredHealthy(): boolean;
}

/** `scoreDeferred` refused: the write-behind queue has no room for the records of this call. */
export class WriteBacklogError extends ChainwatchError {
  constructor(details: { queued: number; capacity: number; requested: number }) {
    super("STORE_BACKLOGGED", "the store is behind on writes; retry later", { details });
  }
}

/** The write-behind queue behind `scoreDeferred`. */
export interface DeferredWritesOptions {
  logger: Logger;
  /** Records held before new ones are dropped (and counted). */
  maxQueueSize: number;
  batchSize: number;
  flushIntervalMs: number;
  /** How long stop() may spend flushing what is queued (default 5 s); past it the rest is lost, counted. */
  stopTimeoutMs?: number;
  metrics?: WriteBehindQueueMetrics;
}

export interface TransactionPipelineOptions {
  scoring: ScoringService;
  /**
   * Idempotent on (tx hash, content fingerprint, model version): a replay writes nothing, so redelivery is
   * harmless; other content for a known hash replaces it and comes back as a conflict.
   */
  recordScored: (records: ScoredTransactionRecord[]) => Promise<RecordScoredResult>;
  /**
   * Retries of a failed store write (PostgreSQL down, timeout). Default: forever (until aborted), 100 ms
   * doubling to 5 s; the gateway bounds it with `maxAttempts` so a request fails instead of hanging.
   */
  storeRetry?: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "maxAttempts">;
  /** After each durable write, with what it inserted (the gateway invalidates anomaly query pages). */
  afterStore?: (stored: RecordScoredResult) => void | Promise<void>;
  /**
   * Shadow models score the batch after the served results are durable, without delaying `process`
   * (best effort: a failure is reported here and the shadow rows are simply missing).
   */
  onShadowError?: (error: unknown) => void;
  /**
   * Stores the corrections a batch's incidents make to earlier verdicts (the store's
   * applyIncidentCorrections: idempotent, so a redelivered batch changes nothing twice). Without it, a
   * batch's incidents still mark its own transactions but never reach back.
   */
  applyIncidentCorrections?: (corrections: IncidentCorrection[]) => Promise<CorrectedPrediction[]>;
  /**
   * Corrections stored earlier whose publication was never acknowledged, triggered by these hashes (the
   * store's pendingIncidentCorrections). Given, a batch with redelivered transactions returns them again in
   * `corrected`: a worker that died between storing a correction and publishing it loses no message.
   */
  pendingIncidentCorrections?: (triggerHashes: string[]) => Promise<CorrectedPrediction[]>;
  /** After corrections are durable, with the verdicts they changed (the worker publishes them). */
  onIncidentsCorrected?: (corrected: CorrectedPrediction[]) => void | Promise<void>;
  /** A deferred (predict) batch's corrections failed; they are lost (best effort, like shadow rows). */
  onIncidentError?: (error: unknown) => void;
  /** Enables `scoreDeferred`. */
  deferredWrites?: DeferredWritesOptions;
  now?: () => Date;
}

type Validated<Ref> =
  | { ok: true; ref: Ref; transaction: NormalizedTransaction; origin?: RecordOrigin }
  | { ok: false; rejected: RejectedItem<Ref> };

/** Validation alone, for producers that check before publishing (the gateway in Kafka mode). */
export function validateItem<Ref>(item: PipelineItem<Ref>): Validated<Ref> {
  const normalized = safeNormalizeTransaction(item.payload);
  if (normalized.ok)
    return {
      ok: true,
      ref: item.ref,
      transaction: normalized.value,
      ...(item.origin ? { origin: item.origin } : {}),
    };
  return {
    ok: false,
    rejected: {
      ref: item.ref,
      reason: "invalid_transaction",
      message: "invalid transaction",
      issues: normalized.error.issues,
      hash: claimedHash(item.payload),
    },
  };
}

function claimedHash(payload: unknown): string | null {
  const hash = (payload as { hash?: unknown } | null)?.hash;
  return typeof hash === "string" ? hash.slice(0, 200) : null;
}

/** Every transaction of a batch failed to score: the model is broken, not the data. Retry later. */
export class ScoringFailedError extends ChainwatchError {
  constructor(cause: unknown) {
    super("SCORING_FAILED", `the model failed on every transaction: ${(cause as Error).message}`, { cause });
  }
}

export function isScoringFailedError(error: unknown): error is ScoringFailedError {
  return error instanceof ScoringFailedError;
}

const NO_ROWS: RecordScoredResult = { transactions: 0, predictions: 0, anomalies: 0 };

export function createTransactionPipeline(options: TransactionPipelineOptions): TransactionPipeline {
  const now = options.now ?? (() => new Date());

  /**
   * Scores the batch in one call; if that throws, item by item, so one bad transaction cannot block the
   * rest (it becomes unscoreable). If every item of a multi-item batch throws, the model itself is broken
   * (a bad deploy, a half-loaded model), not the data: that is a ScoringFailedError, retried by the caller
   * without committing, rather than a dead letter for every transaction in the stream.
   */
  async function score(transactions: NormalizedTransaction[]): Promise<
    {
      results: (ScoreResult | Error)[];
      incidentCorrections?: IncidentCorrection[];
      appliedBefore?: string[];
    } & Partial<ScoringByproducts>
  > {
    try {
      const outcome = await options.scoring.scoreBatch(transactions);
      await outcome.cacheWrite;
      return {
        results: outcome.results.map((result) => checkedResult(result)),
        fingerprints: outcome.fingerprints,
        features: outcome.features,
        contexts: outcome.contexts,
        incidentCorrections: outcome.incidentCorrections,
        appliedBefore: outcome.appliedBefore,
      };
    } catch {
      const results: (ScoreResult | Error)[] = [];
      for (const transaction of transactions) {
        try {
          const [result] = (await options.scoring.scoreBatch([transaction])).results;
          results.push(result ? checkedResult(result) : new Error("no result"));
        } catch (error) {
          results.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
      const [first] = results;
      if (
        transactions.length > 1 &&
        first instanceof Error &&
        results.every((result) => result instanceof Error)
      ) {
        throw new ScoringFailedError(first);
      }
      return { results };
    }
  }

  /** Durable write, then what follows every durable write (conflict reports, cache invalidation). */
  async function writeRecords(records: ScoredTransactionRecord[]): Promise<RecordScoredResult> {
    const stored = await options.recordScored(records);
    await options.afterStore?.(stored);
    return stored;
  }

  const deferred = options.deferredWrites
    ? createWriteBehindQueue<ScoredTransactionRecord>({
        logger: options.deferredWrites.logger.child({ component: "write-behind" }),
        maxQueueSize: options.deferredWrites.maxQueueSize,
        batchSize: options.deferredWrites.batchSize,
        flushIntervalMs: options.deferredWrites.flushIntervalMs,
        ...(options.deferredWrites.stopTimeoutMs === undefined
          ? {}
          : { stopTimeoutMs: options.deferredWrites.stopTimeoutMs }),
        // Records are built from validated transactions; one the store still rejects would never succeed.
        isPermanentFailure: isStoreValidationError,
        write: async (batch) => {
          await writeRecords(batch);
        },
        ...(options.deferredWrites.metrics ? { metrics: options.deferredWrites.metrics } : {}),
      })
    : undefined;

  /**
   * Shadow models score what was just served, off the caller's path; their records (`served: false`) go
   * the same way as the served ones: straight to the store, or through the write-behind queue.
   */
  function recordShadows(
    transactions: readonly NormalizedTransaction[],
    origin: RecordOrigin | undefined,
    contexts: ScoringByproducts["contexts"] | undefined,
    sink: (records: ScoredTransactionRecord[]) => unknown,
  ): void {
    if (transactions.length === 0 || !options.scoring.hasShadows()) return;
    setImmediate(() => {
      options.scoring
        .scoreShadows(transactions, contexts)
        .then(async (outcomes) => {
          const records = shadowRecords(transactions, outcomes, origin);
          if (records.length > 0) await sink(records);
        })
        .catch((error: unknown) => options.onShadowError?.(error));
    });
  }

  /** Corrections of earlier verdicts, then what follows them; the caller decides how failures are retried. */
  async function correctIncidents(
    corrections: IncidentCorrection[] | undefined,
  ): Promise<CorrectedPrediction[]> {
    const apply = options.applyIncidentCorrections;
    if (!corrections || corrections.length === 0 || !apply) return [];
    // The store refuses more than MAX_INCIDENT_CORRECTIONS per call (one statement's parameter). Incident
    // (issue #21 bench, uniform traffic: an incident storm): a chunk named more than that many earlier
    // verdicts at once; the refusal was a validation error retried forever, and the worker stopped committing. Corrections are idempotent, so
    // slices are safe to apply one after another and to repeat after a failure.
    const corrected: CorrectedPrediction[] = [];
    for (let from = 0; from < corrections.length; from += MAX_INCIDENT_CORRECTIONS) {
      corrected.push(...(await apply(corrections.slice(from, from + MAX_INCIDENT_CORRECTIONS))));
    }
    if (corrected.length > 0) await options.onIncidentsCorrected?.(corrected);
    return corrected;
  }

  return {
    async process(items, processOptions = {}) {
      type Ref = (typeof items)[number]["ref"];
      const rejected: (RejectedItem<Ref> & { index: number })[] = [];
      type Valid = { ref: Ref; transaction: NormalizedTransaction; index: number; origin?: RecordOrigin };
      const valid: Valid[] = [];
      items.forEach((item, index) => {
        const checked = validateItem(item);
        if (checked.ok) {
          const { ref, transaction, origin } = checked;
          valid.push({ ref, transaction, index, ...(origin ? { origin } : {}) });
        } else rejected.push({ ...checked.rejected, index });
      });

      const scoring =
        valid.length === 0 ? { results: [] } : await score(valid.map((item) => item.transaction));
      const { results } = scoring;
      const scoredAt = now();
      let scored: (ScoredItem<Ref> & { index: number })[] = [];
      const unscoreable = (item: Valid, message: string) =>
        rejected.push({
          index: item.index,
          ref: item.ref,
          reason: "unscoreable",
          message: message.slice(0, 2_000),
          issues: [],
          hash: item.transaction.hash,
        });
      valid.forEach((item, position) => {
        const result = results[position];
        if (!result || result instanceof Error) {
          unscoreable(item, `scoring failed: ${result?.message ?? "no result"}`);
          return;
        }
        try {
          const fingerprint = scoring.fingerprints?.[position];
          const record = toScoredRecord(item.transaction, result, scoredAt, {
            origin: item.origin,
            contentFingerprint: fingerprint,
            features: fingerprint === undefined ? undefined : scoring.features?.get(fingerprint),
          });
          scored.push({ ref: item.ref, transaction: item.transaction, index: item.index, result, record });
        } catch (error) {
          unscoreable(item, `could not build the stored record: ${(error as Error).message}`);
        }
      });

      // One record per distinct content; the store rejects a record that breaks its schema (a typed error
      // naming it): that transaction is unscoreable, the rest are written. Anything else is transient.
      let stored = NO_ROWS;
      while (scored.length > 0) {
        const records = distinctRecords(scored);
        const outcome = await retryWithBackoff(
          async () => {
            try {
              return { ok: true as const, stored: await options.recordScored(records) };
            } catch (error) {
              if (isStoreValidationError(error)) return { ok: false as const, error };
              throw error;
            }
          },
          {
            ...options.storeRetry,
            ...(processOptions.signal ? { signal: processOptions.signal } : {}),
            ...(processOptions.onStoreRetry ? { onRetry: processOptions.onStoreRetry } : {}),
          },
        );
        if (outcome.ok) {
          stored = outcome.stored;
          break;
        }
        const index = (outcome.error.details as { index?: unknown } | undefined)?.index;
        const bad = typeof index === "number" ? records[index]?.contentFingerprint : undefined;
        const isBad = (item: ScoredItem<Ref> & { index: number }) =>
          bad === undefined || item.record.contentFingerprint === bad;
        for (const item of scored.filter(isBad)) {
          unscoreable(item, `the store rejected it: ${outcome.error.message}`);
        }
        scored = scored.filter((item) => !isBad(item));
      }
      if (stored !== NO_ROWS) await options.afterStore?.(stored);
      // After the batch's own rows: an incident's earlier members were stored by earlier batches, and the
      // correction is idempotent, so a retry after a failure here (the caller redelivers) is harmless.
      let corrected: CorrectedPrediction[] = [];
      if (scoring.incidentCorrections && scoring.incidentCorrections.length > 0) {
        corrected = await retryWithBackoff(() => correctIncidents(scoring.incidentCorrections), {
          ...options.storeRetry,
          ...(processOptions.signal ? { signal: processOptions.signal } : {}),
          ...(processOptions.onStoreRetry ? { onRetry: processOptions.onStoreRetry } : {}),
        });
      }
      if (options.pendingIncidentCorrections && "appliedBefore" in scoring && scoring.appliedBefore) {
        const pending = options.pendingIncidentCorrections;
        // A redelivered transaction (the state had applied it) may have triggered corrections whose
        // messages never went out; a first delivery cannot have. Usually a cache hit: it has no view.
        const redelivered = scoring.appliedBefore;
        if (redelivered.length > 0) {
          const again = await retryWithBackoff(() => pending(redelivered), {
            ...options.storeRetry,
            ...(processOptions.signal ? { signal: processOptions.signal } : {}),
            ...(processOptions.onStoreRetry ? { onRetry: processOptions.onStoreRetry } : {}),
          });
          const key = (row: CorrectedPrediction) => `${row.hash}|${row.modelVersion}|${row.incidentId}`;
          const known = new Set(corrected.map(key));
          corrected = [...corrected, ...again.filter((row) => !known.has(key(row)))];
        }
      }
      recordShadows(
        distinctRecords(scored).map((record) => record.transaction),
        undefined,
        scoring.contexts,
        writeRecords,
      );

      rejected.sort((a, b) => a.index - b.index);
      return {
        scored: scored.map(({ index: _index, ...item }) => item),
        rejected: rejected.map(({ index: _index, ...item }) => item),
        stored,
        corrected,
      };
    },

    async scoreDeferred(transactions, origin) {
      if (!deferred) throw new Error("scoreDeferred needs the pipeline's deferredWrites option");
      // At most one record per transaction is newly computed: its room is set aside before scoring, so
      // concurrent calls cannot together overfill the queue between this check and their enqueue.
      let reservation = transactions.length;
      if (!deferred.reserve(reservation)) {
        if (!deferred.isFailing()) {
          throw new WriteBacklogError({
            queued: deferred.depth(),
            capacity: options.deferredWrites?.maxQueueSize ?? 0,
            requested: reservation,
          });
        }
        reservation = 0;
      }
      let outcome: BatchScoreOutcome;
      try {
        outcome = await options.scoring.scoreBatch(transactions);
      } catch (error) {
        deferred.release(reservation);
        throw error;
      }
      // Built after the caller has answered (the next turn of the event loop), off the response's latency;
      // only what was computed now: a cached result was queued when it was first computed.
      setImmediate(() => {
        let records: ScoredTransactionRecord[] = [];
        try {
          records = newlyScoredRecords(transactions, outcome, { origin });
        } catch (error) {
          options.deferredWrites?.logger.error(
            { err: error },
            "scored records could not be built; not stored",
          );
        }
        deferred.enqueue(records, reservation);
      });
      recordShadows(transactions, origin, outcome.contexts, (shadow) => {
        deferred.enqueue(shadow);
      });
      // Best effort, off the answer's path: members still waiting in the write-behind queue are not stored
      // yet and keep their own verdict (at most one flush interval of them).
      if (outcome.incidentCorrections.length > 0) {
        correctIncidents(outcome.incidentCorrections).catch((error: unknown) =>
          options.onIncidentError?.(error),
        );
      }
      return outcome;
    },
    start: () => deferred?.start(),
    stop: async () => {
      await deferred?.stop();
    },
    deferredDepth: () => deferred?.depth() ?? 0,
    isDeferredHealthy: () => deferred?.isHealthy() ?? true,
  };
}

function checkedResult(result: ScoreResult): ScoreResult | Error {
  return Number.isFinite(result.anomalyScore) && Number.isFinite(result.confidence)
    ? result
    : new Error(`model returned a non-finite score (${result.anomalyScore})`);
}

function distinctRecords(items: readonly { record: ScoredTransactionRecord }[]): ScoredTransactionRecord[] {
  // Every result is written, cached ones included: a cache hit may come from a worker that crashed before
  // its store write, so "already cached" does not mean "already stored". The insert is a no-op if it is.
  // One record per content, not per hash: the same hash with other content is written too (the store
  // keeps the last one and reports the change as a conflict), never dropped as a duplicate.
  const byContent = new Map<string, ScoredTransactionRecord>();
  for (const { record } of items) {
    if (!byContent.has(record.contentFingerprint)) byContent.set(record.contentFingerprint, record);
  }
  return [...byContent.values()];
}
