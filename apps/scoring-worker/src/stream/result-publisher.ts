import {
  isKafkaPublishRejectedError,
  KafkaUnavailableError,
  type OutgoingMessage,
  type Publisher,
  type RejectedMessage,
  type TopicMessages,
} from "@chainwatch/kafka";
import { retryWithBackoff } from "@chainwatch/service-kit";

export interface PublishResultsOptions {
  publisher: Pick<Publisher, "publish">;
  retry: { initialDelayMs: number; maxDelayMs: number };
  signal: AbortSignal;
  /**
   * For a message the broker refused for good: a smaller one to send instead (a dead letter without the
   * original's content), or undefined to give it up.
   */
  fallbackOf(message: OutgoingMessage): OutgoingMessage | undefined;
  onRetry(error: unknown, attempt: number): void;
}

export interface PublishResultsOutcome {
  /** Refused for good, and so was their fallback (or they had none): not written anywhere. */
  dropped: RejectedMessage[];
  /** Refused, and written in their smaller form instead. */
  replaced: RejectedMessage[];
}

/**
 * Publishes a chunk's outputs until every one is acknowledged or refused for good, deciding per failure:
 *
 * - Kafka unavailable (retriable): retried with backoff, until it works or `signal` aborts; each attempt
 *   sends only what the broker had not acknowledged (KafkaUnavailableError.unacknowledged), never the part
 *   of the chunk that was already written.
 * - Refused for good (MESSAGE_TOO_LARGE, INVALID_RECORD): never retried as is. The fallback (a dead
 *   letter without the original's content) is sent instead; if that is refused too, or there is none, the
 *   message is given up and reported in `dropped` (the caller logs and counts it): the partition moves on.
 */
export async function publishResults(
  batches: TopicMessages[],
  options: PublishResultsOptions,
): Promise<PublishResultsOutcome> {
  let pending = batches;
  const outcome: PublishResultsOutcome = { dropped: [], replaced: [] };
  await retryWithBackoff(
    async () => {
      while (pending.length > 0) {
        try {
          await options.publisher.publish(pending);
          pending = [];
        } catch (error) {
          if (isKafkaPublishRejectedError(error)) {
            // Everything else of that call is written; only the refused ones are left, in their fallback form.
            const fallbacks: TopicMessages[] = [];
            for (const rejected of error.rejected) {
              const fallback = options.fallbackOf(rejected.message);
              if (fallback) {
                fallbacks.push({ topic: rejected.topic, messages: [fallback] });
                outcome.replaced.push(rejected);
              } else {
                outcome.dropped.push(rejected);
              }
            }
            pending = fallbacks;
            continue;
          }
          if (error instanceof KafkaUnavailableError && error.unacknowledged) pending = error.unacknowledged;
          throw error;
        }
      }
    },
    { ...options.retry, signal: options.signal, onRetry: options.onRetry },
  );
  return outcome;
}
