import type {
  BatchConsumer,
  BatchControl,
  ConsumedBatch,
  ConsumedMessage,
  OutgoingMessage,
  Publisher,
  StreamTopics,
  TopicPartition,
} from "@chainwatch/kafka";
import type { KafkaConsumerMetrics } from "@chainwatch/metrics";
import { isScoringFailedError, type PipelineOutcome, type TransactionPipeline } from "@chainwatch/scoring";
import { type Component, isRetryAbortedError, type Logger, once, sleep } from "@chainwatch/service-kit";
import type { CorrectionKey } from "@chainwatch/store";
import pLimit from "p-limit";
import { decodeChunk } from "./decode-chunk.ts";
import {
  anomalyMessage,
  correctionMessages,
  type DeadLetter,
  deadLetterMessage,
  scoreMessage,
} from "./output-messages.ts";
import { publishResults } from "./result-publisher.ts";

export interface StreamWorkerOptions {
  consumer: BatchConsumer;
  publisher: Pick<Publisher, "publish">;
  pipeline: TransactionPipeline;
  topics: StreamTopics;
  groupId: string;
  logger: Logger;
  metrics?: KafkaConsumerMetrics;
  /** Messages fetched and not yet committed, across all partitions (KAFKA_MAX_QUEUE_SIZE). */
  maxQueueSize: number;
  /** Partition chunks processed at once (KAFKA_NUM_WORKER_THREADS). */
  concurrency: number;
  /** How often a batch waiting for queue room heartbeats; keep it at most the consumer's heartbeat interval. */
  heartbeatIntervalMs?: number;
  /** Backoff for store, publish and processing retries. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** On stop, how long in-flight work may take to finish before it is abandoned (uncommitted, redelivered). */
  drainTimeoutMs?: number;
  /** Failed commits are retried this often (a commit can fail while the group rebalances). */
  commitRetryIntervalMs?: number;
  /** The consumer crashed and will not restart: the process should exit non-zero. */
  onFatal?: (error: Error) => void;
  /**
   * The chunk's corrections are on the topics (or refused for good): no longer pending (the store's
   * acknowledgeIncidentCorrections). Best effort: a failure leaves them pending, and a later redelivery of
   * their trigger publishes them again, which consumers de-duplicate.
   */
  acknowledgeCorrections?: (keys: CorrectionKey[]) => Promise<unknown>;
}

export interface StreamWorkerStats {
  assignedPartitions: number[];
  queueSize: number;
  pausedPartitions: number;
  scored: number;
  deadLettered: number;
  /** Messages whose dead letter the broker refused even without content: logged, counted, not written. */
  skipped: number;
  commitsFailed: number;
}

export interface StreamWorker extends Component {
  stats(): StreamWorkerStats;
  /** False after a fatal consumer crash. */
  isHealthy(): boolean;
}

/** Everything this member knows about one assigned partition. */
interface PartitionState {
  tp: TopicPartition;
  /** Admitted, not yet started; offsets increasing. */
  queue: ConsumedMessage[];
  /** The chunk being processed (one per partition at a time, so offsets complete in order). */
  processing: { first: bigint; last: bigint; size: number } | undefined;
  /** Admitted and not finished: queue plus the chunk in processing. */
  inFlight: number;
  /** Next offset after the last message durably handled (stored and published) by this process. */
  durableUpTo: bigint | undefined;
  /** The last offset this member committed for the partition. */
  committedUpTo: bigint | undefined;
  isScheduled: boolean;
  isPaused: boolean;
  /** Aborted when the partition is revoked: its chunk stops retrying and commits nothing. */
  revoked: AbortController;
  /** False once revoked; the chunk still running for it (if any) then commits nothing. */
  isAttached: boolean;
}

const keyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

/**
 * The scoring worker's consumption loop, on top of a group consumer's batches:
 *
 * - **admission**: each fetched batch is queued up to the in-flight cap (`maxQueueSize` overall, a fair share
 *   per partition); a full partition (or a full queue) is paused so Kafka stops sending it, and resumed at
 *   half. A batch that does not fit waits, heartbeating, and the rest of it stays unfetched.
 * - **processing**: per partition, one chunk at a time in offset order (everything queued for it), across
 *   partitions at most `concurrency` chunks at once (p-limit): decode → pipeline (validate, score, durable
 *   idempotent store write, retried with backoff until it succeeds or the partition is lost) → publish
 *   scores, anomalies and dead letters (acks=all, retried) → commit the next offset.
 * - **offsets**: committed only after the chunk is durable, and per partition only up to the end of a finished
 *   chunk, so the commit never passes an unfinished message. A crash at any point redelivers from the last
 *   commit; the idempotent store makes the replay a no-op (exactly-once effect in the store).
 */
export function createStreamWorker(options: StreamWorkerOptions): StreamWorker {
  const { consumer, metrics, topics, maxQueueSize } = options;
  const logger = options.logger.child({ component: "stream-worker" });
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 15_000;
  const retryPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, ...options.retry };
  const limit = pLimit(options.concurrency);
  const partitions = new Map<string, PartitionState>();
  /** Work of partitions that were revoked and are still finishing their chunk; kept to drain on stop. */
  const running = new Set<Promise<void>>();
  const stopAbort = new AbortController();
  const capacityWaiters = new Set<() => void>();
  let queueSize = 0;
  let isStopping = false;
  let isFatal = false;
  let commitTimer: NodeJS.Timeout | undefined;
  const counts = { scored: 0, deadLettered: 0, skipped: 0, commitsFailed: 0 };

  const assignedStates = () => [...partitions.values()].filter((state) => state.isAttached);
  const partitionCap = () => Math.max(1, Math.ceil(maxQueueSize / Math.max(1, assignedStates().length)));

  function setQueueSize(delta: number) {
    queueSize += delta;
    metrics?.consumerQueueSize.set(queueSize);
    if (delta < 0) {
      for (const wake of capacityWaiters) wake();
      capacityWaiters.clear();
    }
  }

  /** Pause a partition at its share or when the whole queue is full; resume at half (hysteresis). */
  function reconcilePauses() {
    if (isStopping) return;
    const cap = partitionCap();
    const toPause: TopicPartition[] = [];
    const toResume: TopicPartition[] = [];
    for (const state of assignedStates()) {
      if (!state.isPaused && (state.inFlight >= cap || queueSize >= maxQueueSize)) {
        state.isPaused = true;
        toPause.push(state.tp);
      } else if (state.isPaused && state.inFlight <= cap / 2 && queueSize <= maxQueueSize / 2) {
        state.isPaused = false;
        toResume.push(state.tp);
      }
    }
    if (toPause.length > 0) consumer.pause(toPause);
    if (toResume.length > 0) consumer.resume(toResume);
    metrics?.consumerPaused.set(assignedStates().filter((state) => state.isPaused).length);
  }

  function newState(tp: TopicPartition): PartitionState {
    return {
      tp,
      queue: [],
      processing: undefined,
      inFlight: 0,
      durableUpTo: undefined,
      committedUpTo: undefined,
      isScheduled: false,
      isPaused: false,
      revoked: new AbortController(),
      isAttached: true,
    };
  }

  /** Drops admitted messages not yet started; Kafka delivers them again from the committed offset. */
  function dropQueue(state: PartitionState) {
    const dropped = state.queue.length;
    if (dropped === 0) return;
    state.queue = [];
    state.inFlight -= dropped;
    setQueueSize(-dropped);
  }

  function detach(state: PartitionState) {
    dropQueue(state);
    state.isAttached = false;
    state.revoked.abort();
    partitions.delete(keyOf(state.tp));
  }

  function onAssigned(assigned: TopicPartition[]) {
    metrics?.rebalancesTotal.inc();
    const keep = new Set(assigned.map(keyOf));
    for (const state of [...partitions.values()]) {
      if (!keep.has(keyOf(state.tp))) {
        detach(state);
        continue;
      }
      // Kept through the rebalance: Kafka restarts it from the committed offset, so the queued copy goes;
      // the chunk in processing (if any) finishes and what it covers is skipped when it comes again.
      dropQueue(state);
      state.isPaused = false;
    }
    // What kept partitions made durable before the rebalance, committed under the new generation.
    void commitDurable();
    for (const tp of assigned) {
      if (!partitions.has(keyOf(tp))) partitions.set(keyOf(tp), newState(tp));
    }
    // kafkajs keeps its pause set across rejoins; start every assigned partition unpaused, then re-apply.
    if (assigned.length > 0) consumer.resume(assigned);
    reconcilePauses();
  }

  function onCrash(error: Error, willRestart: boolean) {
    metrics?.errorsTotal.inc({ error_type: "crash" });
    // The member is gone either way: a restarted consumer joins as a new member and is assigned afresh.
    for (const state of [...partitions.values()]) detach(state);
    if (!willRestart) {
      isFatal = true;
      options.onFatal?.(error);
    }
  }

  async function handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    if (isStopping) return;
    const tp = { topic: batch.topic, partition: batch.partition };
    let state = partitions.get(keyOf(tp));
    if (!state) {
      state = newState(tp);
      partitions.set(keyOf(tp), state);
    }
    // Skip what this process already handled or holds (a rebalance restarts fetching at the commit).
    const threshold = [
      state.durableUpTo,
      state.processing ? state.processing.last + 1n : undefined,
      state.queue.length > 0 ? BigInt(state.queue.at(-1)?.offset ?? 0) + 1n : undefined,
    ].reduce<bigint>((max, value) => (value !== undefined && value > max ? value : max), -1n);
    let pending = batch.messages;
    const firstNew = pending.findIndex((message) => BigInt(message.offset) >= threshold);
    const skipped = firstNew === -1 ? pending.length : firstNew;
    if (skipped > 0) {
      control.markTaken(pending[skipped - 1]?.offset ?? "0");
      pending = pending.slice(skipped);
      void commitDurable();
    }

    while (pending.length > 0) {
      if (isStopping || !control.isRunning() || !state.isAttached) return;
      const room = Math.min(maxQueueSize - queueSize, partitionCap() - state.inFlight);
      if (room > 0) {
        const admitted = pending.slice(0, room);
        pending = pending.slice(room);
        state.queue.push(...admitted);
        state.inFlight += admitted.length;
        setQueueSize(admitted.length);
        control.markTaken(admitted.at(-1)?.offset ?? "0");
        schedule(state);
        reconcilePauses();
        continue;
      }
      // Back-pressure: wait for room; heartbeat so the group keeps this member (a rebalance throws here,
      // and kafkajs rejoins; the unadmitted rest is fetched again).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, heartbeatIntervalMs);
        capacityWaiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await control.heartbeat();
    }
  }

  function schedule(state: PartitionState) {
    if (state.isScheduled || state.processing || state.queue.length === 0 || !state.isAttached) return;
    state.isScheduled = true;
    const work: Promise<void> = limit(() => runChunk(state))
      .catch((error: unknown) => {
        logger.error({ err: error, partition: state.tp.partition }, "chunk scheduling failed");
      })
      .finally(() => running.delete(work));
    running.add(work);
  }

  async function runChunk(state: PartitionState): Promise<void> {
    state.isScheduled = false;
    if (!state.isAttached || state.queue.length === 0) return;
    const chunk = state.queue;
    state.queue = [];
    const first = BigInt(chunk[0]?.offset ?? 0);
    const last = BigInt(chunk.at(-1)?.offset ?? 0);
    state.processing = { first, last, size: chunk.length };
    metrics?.consumerThreadsActive.set(limit.activeCount);
    const stopTimer = metrics?.messageProcessingDurationSeconds.startTimer();
    const signal = AbortSignal.any([stopAbort.signal, state.revoked.signal]);
    let isRequeued = false;
    try {
      await processChunk(chunk, signal);
      stopTimer?.();
      state.durableUpTo = last + 1n;
      // Not awaited: the partition's next chunk starts now, and the commit joins the next commit request
      // (one round trip for every partition that finished meanwhile). A crash before it lands only
      // redelivers chunks that are already durable, which the idempotent store ignores.
      if (state.isAttached) void commitDurable();
    } catch (error) {
      if (isRetryAbortedError(error) || signal.aborted) {
        // Only stop() and a revocation abort the signal, and both leave the partition (stopping, or
        // detached), so there is nothing to re-fetch here: the next owner starts at the last commit.
        logger.info(
          { partition: state.tp.partition, firstOffset: String(first), lastOffset: String(last) },
          "chunk abandoned uncommitted (stopping or partition revoked); it will be redelivered",
        );
      } else {
        // Not a store or Kafka outage (those retry inside): a bug or an unexpected value. Never skip the
        // messages; put them back and try again after a pause, visible in logs, errors and lag.
        metrics?.errorsTotal.inc({ error_type: isScoringFailedError(error) ? "scoring" : "processing" });
        logger.error({ err: error, partition: state.tp.partition }, "chunk processing failed; retrying");
        state.queue = [...chunk, ...state.queue];
        isRequeued = true;
        await sleep(retryPolicy.maxDelayMs, signal);
      }
    } finally {
      state.processing = undefined;
      if (!isRequeued) {
        state.inFlight -= chunk.length;
        setQueueSize(-chunk.length);
      }
      metrics?.consumerThreadsActive.set(Math.max(0, limit.activeCount - 1));
      reconcilePauses();
      schedule(state);
    }
  }

  async function processChunk(chunk: ConsumedMessage[], signal: AbortSignal): Promise<void> {
    const { items, deadLetters } = decodeChunk(chunk);
    let outcome: PipelineOutcome<ConsumedMessage> = {
      scored: [],
      rejected: [],
      stored: { transactions: 0, predictions: 0, anomalies: 0 },
      corrected: [],
    };
    if (items.length > 0) {
      outcome = await options.pipeline.process(items, {
        signal,
        onStoreRetry: (error, attempt) => {
          metrics?.errorsTotal.inc({ error_type: "store" });
          logger.warn({ err: error, attempt }, "store write failed; retrying (offsets not committed)");
        },
      });
    }
    for (const rejected of outcome.rejected) {
      deadLetters.push({
        message: rejected.ref,
        reason: rejected.reason,
        error: rejected.message,
        issues: rejected.issues,
        hash: rejected.hash,
      });
    }
    // Dead letters in offset order, whichever step rejected them.
    if (deadLetters.length > 1)
      deadLetters.sort((a, b) => (BigInt(a.message.offset) < BigInt(b.message.offset) ? -1 : 1));
    const failedAt = new Date();
    // Outputs are keyed and partitioned by hash; the input is keyed by sender (packages/kafka messages.ts).
    const scores: OutgoingMessage[] = [];
    const anomalies: OutgoingMessage[] = [];
    for (const item of outcome.scored) {
      scores.push(scoreMessage(item));
      // The combined verdict (model and address context), not the model's alone.
      if (item.result.isAnomaly) anomalies.push(anomalyMessage(item));
    }
    // Earlier verdicts this chunk's incidents changed, after the chunk's own results (a consumer sees the
    // trigger before the corrections it caused).
    const firstMessage = chunk[0];
    if (outcome.corrected.length > 0 && firstMessage) {
      const byHash = new Map(outcome.scored.map((item) => [item.transaction.hash, item.ref]));
      const corrections = correctionMessages(outcome.corrected, byHash, firstMessage, new Date());
      scores.push(...corrections.scores);
      anomalies.push(...corrections.anomalies);
    }
    // Each dead letter's smaller form, sent if the broker refuses the full one (a topic whose
    // max.message.bytes is below the broker's default): the original's coordinates without its content.
    const deadLetterOf = new Map<OutgoingMessage, DeadLetter>();
    const fallbacks = new Set<OutgoingMessage>();
    const deadLetterMessages = deadLetters.map((deadLetter) => {
      const outgoing = deadLetterMessage(deadLetter, options.groupId, failedAt);
      deadLetterOf.set(outgoing, deadLetter);
      return outgoing;
    });
    const batches = [
      { topic: topics.scores, messages: scores },
      { topic: topics.anomalies, messages: anomalies },
      { topic: topics.transactionsDeadLetter, messages: deadLetterMessages },
    ];
    const published = await publishResults(batches, {
      publisher: options.publisher,
      retry: retryPolicy,
      signal,
      fallbackOf: (message) => {
        const deadLetter = deadLetterOf.get(message);
        if (!deadLetter || fallbacks.has(message)) return undefined;
        const fallback = deadLetterMessage(deadLetter, options.groupId, failedAt, true);
        deadLetterOf.set(fallback, deadLetter);
        fallbacks.add(fallback);
        return fallback;
      },
      onRetry: (error, attempt) => {
        metrics?.errorsTotal.inc({ error_type: "publish" });
        logger.warn({ err: error, attempt }, "publishing results failed; retrying (offsets not committed)");
      },
    });
    const inputTopic = chunk[0]?.topic ?? topics.transactions;
    // Outputs the broker refused for good, even in their smaller form: given up so the partition moves on,
    // never retried as they are (a refused message would stall the partition forever).
    const skipped = new Set<DeadLetter>();
    for (const { topic, message, errorType } of [...published.replaced, ...published.dropped]) {
      metrics?.errorsTotal.inc({ error_type: "publish_rejected" });
      const deadLetter = deadLetterOf.get(message);
      const isDropped = published.dropped.some((dropped) => dropped.message === message);
      if (deadLetter && isDropped) skipped.add(deadLetter);
      logger.error(
        {
          topic,
          errorType,
          key: message.key?.slice(0, 100),
          ...(deadLetter
            ? { partition: deadLetter.message.partition, offset: deadLetter.message.offset }
            : {}),
        },
        isDropped
          ? "kafka refused an output for good; skipped (logged and counted, offsets move on)"
          : "kafka refused a dead letter; sent without the original's content instead",
      );
    }
    if (skipped.size > 0) {
      counts.skipped += skipped.size;
      metrics?.messagesConsumedTotal.inc({ topic: inputTopic, status: "skipped" }, skipped.size);
    }
    if (outcome.corrected.length > 0 && options.acknowledgeCorrections) {
      const keys = outcome.corrected.map(({ hash, modelVersion, incidentId }) => ({
        hash,
        modelVersion,
        incidentId,
      }));
      await options.acknowledgeCorrections(keys).catch((error: unknown) => {
        metrics?.errorsTotal.inc({ error_type: "store" });
        logger.warn(
          { err: error, corrections: keys.length },
          "published corrections could not be acknowledged; a redelivery may publish them again",
        );
      });
    }
    counts.scored += outcome.scored.length;
    counts.deadLettered += deadLetters.length - skipped.size;
    if (outcome.scored.length > 0) {
      metrics?.messagesConsumedTotal.inc({ topic: inputTopic, status: "scored" }, outcome.scored.length);
    }
    const written = deadLetters.filter((deadLetter) => !skipped.has(deadLetter));
    if (written.length > 0) {
      metrics?.messagesConsumedTotal.inc({ topic: inputTopic, status: "dead_lettered" }, written.length);
      for (const deadLetter of written) metrics?.dlqMessagesTotal.inc({ reason: deadLetter.reason });
      logger.warn(
        { count: deadLetters.length, reasons: [...new Set(deadLetters.map((d) => d.reason))] },
        "messages sent to the dead-letter topic",
      );
    }
  }

  /**
   * Commits the durable progress of every attached partition that is ahead of its last commit, in one
   * request. Requests run one after another (a slow older commit never lands after a newer one); calls made
   * while one is in flight share the next request. Resolves once a request that started after the call has
   * finished. Failures are logged and retried by the next call or the periodic timer.
   */
  let commitInFlight: Promise<void> | undefined;
  let commitNext: Promise<void> | undefined;

  async function flushCommits(): Promise<void> {
    const due = assignedStates().filter(
      (state) =>
        state.durableUpTo !== undefined &&
        (state.committedUpTo === undefined || state.durableUpTo > state.committedUpTo),
    );
    if (due.length === 0) return;
    const offsets = due.map((state) => ({ state, offset: state.durableUpTo as bigint }));
    try {
      await consumer.commit(offsets.map(({ state, offset }) => ({ ...state.tp, offset: String(offset) })));
      for (const { state, offset } of offsets) {
        if (state.committedUpTo === undefined || offset > state.committedUpTo) state.committedUpTo = offset;
      }
      logger.debug(
        { offsets: offsets.map(({ state, offset }) => `${state.tp.partition}@${offset}`) },
        "offsets committed",
      );
    } catch (error) {
      counts.commitsFailed++;
      metrics?.errorsTotal.inc({ error_type: "commit" });
      logger.warn(
        { err: error, partitions: offsets.map(({ state }) => state.tp.partition) },
        "offset commit failed; retrying later",
      );
    }
  }

  function commitDurable(): Promise<void> {
    if (!commitInFlight) {
      commitInFlight = flushCommits().finally(() => {
        commitInFlight = undefined;
      });
      return commitInFlight;
    }
    commitNext ??= commitInFlight.then(() => {
      commitNext = undefined;
      return commitDurable();
    });
    return commitNext;
  }

  return {
    async start() {
      commitTimer = setInterval(() => void commitDurable(), options.commitRetryIntervalMs ?? 2_000);
      commitTimer.unref();
      await consumer.run(handleBatch, {
        onAssigned,
        onRebalancing: () => {
          // The assignment may change: stop starting work from queues Kafka will deliver again anyway.
          for (const state of partitions.values()) dropQueue(state);
        },
        onCrash,
      });
      logger.info(
        {
          groupId: options.groupId,
          topic: topics.transactions,
          concurrency: options.concurrency,
          maxQueueSize,
        },
        "stream worker consuming",
      );
    },

    stop: once(async () => {
      isStopping = true;
      clearInterval(commitTimer);
      // 1. Stop fetching: pause everything, release batches waiting for room (they return unadmitted).
      consumer.pause(assignedStates().map((state) => state.tp));
      for (const wake of capacityWaiters) wake();
      capacityWaiters.clear();
      // 2. Finish what was admitted, within the drain bound; past it, abandon (uncommitted → redelivered).
      const drained = (async () => {
        while (running.size > 0 || assignedStates().some((state) => state.queue.length > 0)) {
          for (const state of assignedStates()) {
            if (stopAbort.signal.aborted) dropQueue(state);
            else schedule(state);
          }
          await Promise.allSettled([...running]);
        }
      })();
      const timer = setTimeout(() => stopAbort.abort(), drainTimeoutMs);
      await drained;
      clearTimeout(timer);
      // 3. Commit what is durable, then leave the group (its partitions move to the other members at once).
      await commitDurable();
      const assigned = assignedStates().map((state) => state.tp.partition);
      await consumer.stop();
      logger.info({ ...counts, partitions: assigned }, "stream worker stopped");
    }),

    stats() {
      return {
        assignedPartitions: assignedStates()
          .map((state) => state.tp.partition)
          .sort((a, b) => a - b),
        queueSize,
        pausedPartitions: assignedStates().filter((state) => state.isPaused).length,
        ...counts,
      };
    },

    isHealthy: () => !isFatal,
  };
}
