import type { OutgoingMessage, Publisher } from "@chainwatch/kafka";
import {
  encodeMessage,
  inputMessageKey,
  MESSAGE_SCHEMA_VERSION,
  type TransactionMessage,
} from "@chainwatch/kafka/formats";
import { contentFingerprint } from "@chainwatch/model";
import {
  isScoringFailedError,
  type PipelineItem,
  type PipelineOutcome,
  type RejectedItem,
  type ScoredItem,
  type TransactionPipeline,
  validateItem,
} from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import type { RecordOrigin } from "@chainwatch/store";
import type { z } from "zod";
import { HttpError } from "../http/errors.ts";
import type { IngestItemErrorSchema, IngestResponseSchema } from "../http/schemas.ts";

export type IngestMode = "kafka" | "embedded";

export type IngestRejection = z.infer<typeof IngestItemErrorSchema>;
/** Accepted: distinct lower-case hashes in first-seen order; rejected: per-item errors in request order. */
export type IngestOutcome = z.infer<typeof IngestResponseSchema>;

export interface IngestTotals {
  accepted: number;
  rejected: number;
  /** Last time a request failed for a dependency (Kafka or the store), and last time one succeeded. */
  lastFailedAt: string | null;
  lastSucceededAt: string | null;
}

/**
 * Takes transactions in for scoring. Kafka mode publishes them to the input topic (the workers score and
 * store them); embedded mode (no KAFKA_BROKERS) runs the same pipeline the workers run, in process, before
 * answering. Either way the caller gets the same answer: accepted hashes and per-item rejections.
 */
/** The request the items came in: its id travels with them (Kafka), and who sent them (embedded store). */
export interface IngestContext {
  requestId: string;
  /** Who sent the items (recordOriginOf): kept with a content conflict they cause in embedded mode. */
  origin?: RecordOrigin;
}

export interface IngestService {
  readonly mode: IngestMode;
  ingest(items: readonly unknown[], context: IngestContext): Promise<IngestOutcome>;
  /** Counts since start, for the stream status in embedded mode and for /health. */
  totals(): IngestTotals;
}

const toRejection = (rejected: RejectedItem<number>): IngestRejection => ({
  index: rejected.ref,
  hash: rejected.hash,
  error: {
    code: rejected.reason === "invalid_transaction" ? "VALIDATION_ERROR" : "UNSCOREABLE",
    message: rejected.reason === "invalid_transaction" ? "invalid transaction" : rejected.message,
    issues: rejected.issues,
  },
});

const distinct = (hashes: readonly string[]) => [...new Set(hashes)];

function counters() {
  const totals: IngestTotals = { accepted: 0, rejected: 0, lastFailedAt: null, lastSucceededAt: null };
  return {
    totals: () => ({ ...totals }),
    count(outcome: IngestOutcome) {
      totals.accepted += outcome.accepted.length;
      totals.rejected += outcome.rejected.length;
      // Only a request that reached Kafka (or the store) says anything about the dependency.
      if (outcome.accepted.length > 0) totals.lastSucceededAt = new Date().toISOString();
    },
    failed() {
      totals.lastFailedAt = new Date().toISOString();
    },
  };
}

/** Embedded mode: validate → score → durable store write, in the request, through the workers' pipeline. */
export function createEmbeddedIngest(options: {
  pipeline: TransactionPipeline;
  logger: Logger;
  /**
   * After the store write, before the answer: the alert outbox is written in the same flow (a failure is a
   * 503 and the client's retry writes it; the store write and the outbox both ignore repeats).
   */
  afterScored?: (scored: readonly ScoredItem<number>[]) => Promise<void>;
}): IngestService {
  const count = counters();
  return {
    mode: "embedded",
    totals: count.totals,
    async ingest(items, context) {
      const origin: RecordOrigin = { ...context.origin, source: "ingest", requestId: context.requestId };
      const pipelineItems: PipelineItem<number>[] = items.map((payload, index) => ({
        ref: index,
        payload,
        origin,
      }));
      let outcome: PipelineOutcome<number>;
      try {
        outcome = await options.pipeline.process(pipelineItems);
      } catch (error) {
        count.failed();
        if (isScoringFailedError(error)) {
          throw new HttpError(503, "SCORING_UNAVAILABLE", "the model could not score; retry later", {
            cause: error,
            headers: { "Retry-After": "5" },
          });
        }
        // The pipeline retried the store write (a bounded number of times) before giving up.
        throw new HttpError(503, "DATABASE_UNAVAILABLE", "the database is unavailable; retry later", {
          cause: error,
          headers: { "Retry-After": "5" },
        });
      }
      if (options.afterScored && outcome.scored.length > 0) {
        try {
          await options.afterScored(outcome.scored);
        } catch (error) {
          count.failed();
          throw new HttpError(503, "ALERTS_UNAVAILABLE", "alerts could not be queued; retry later", {
            cause: error,
            headers: { "Retry-After": "5" },
          });
        }
      }
      const result: IngestOutcome = {
        mode: "embedded",
        accepted: distinct(outcome.scored.map((item) => item.transaction.hash)),
        rejected: outcome.rejected.map(toRejection),
      };
      count.count(result);
      return result;
    },
  };
}

/**
 * Kafka mode: validate, then publish the accepted ones (acks=all) keyed by sender (the hash without one),
 * so a sender's transactions reach one worker in request order; 503 if Kafka does not ack in time.
 */
export function createKafkaIngest(options: {
  publisher: Pick<Publisher, "publish">;
  topic: string;
  /** Creates the input topic if missing, before the first publish (memoised by the caller). */
  ensureTopic: () => Promise<void>;
  logger: Logger;
}): IngestService {
  const count = counters();
  return {
    mode: "kafka",
    totals: count.totals,
    async ingest(items, context) {
      const rejected: IngestRejection[] = [];
      // By content, not by hash: the same hash with other content is published too, so the worker stores the
      // latest and records the conflict instead of never seeing it. In order when the sender is the same (same
      // key and partition); a copy that changes `from` may land on another partition and be processed first.
      const messages = new Map<string, OutgoingMessage>();
      const accepted = new Set<string>();
      const publishedAt = new Date().toISOString();
      items.forEach((payload, index) => {
        const checked = validateItem({ ref: index, payload });
        if (!checked.ok) {
          rejected.push(toRejection(checked.rejected));
          return;
        }
        const hash = checked.transaction.hash;
        const fingerprint = contentFingerprint(checked.transaction);
        if (messages.has(fingerprint)) return;
        accepted.add(hash);
        const message: TransactionMessage = {
          schemaVersion: MESSAGE_SCHEMA_VERSION,
          // What the client sent, validated; the worker validates again (other producers exist).
          transaction: payload as Record<string, unknown>,
          source: "api",
          publishedAt,
          requestId: context.requestId,
        };
        messages.set(fingerprint, {
          key: inputMessageKey(checked.transaction),
          value: encodeMessage(message),
        });
      });
      if (messages.size > 0) {
        try {
          await options.ensureTopic();
          await options.publisher.publish([{ topic: options.topic, messages: [...messages.values()] }]);
        } catch (error) {
          count.failed();
          options.logger.warn({ err: error, requestId: context.requestId }, "ingest publish failed");
          throw new HttpError(
            503,
            "KAFKA_UNAVAILABLE",
            "the transaction stream is unavailable; nothing was accepted, retry later",
            { cause: error, headers: { "Retry-After": "5" } },
          );
        }
      }
      const result: IngestOutcome = { mode: "kafka", accepted: [...accepted], rejected };
      count.count(result);
      return result;
    },
  };
}
