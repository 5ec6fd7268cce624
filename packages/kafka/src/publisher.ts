import type { KafkaProducerMetrics } from "@chainwatch/metrics";
import { ChainwatchError, type Logger, once } from "@chainwatch/service-kit";
import type { Kafka, Producer } from "kafkajs";
import { keyPartitioner } from "./partitioner.ts";

export interface OutgoingMessage {
  /**
   * The partitioning key: the sender (or the hash) on the input topic, the hash on the output topics
   * (messages.ts); null spreads messages round-robin.
   */
  key: string | null;
  /** UTF-8 JSON for every stream message; bytes only where a test needs a malformed value. */
  value: string | Buffer;
  /** Explicit partition; unset → murmur2 of the key (keyPartitioner). */
  partition?: number;
  headers?: Record<string, string>;
}

export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

/**
 * Kafka did not acknowledge a publish in time (down, unreachable, no leader, or a retriable error past
 * kafkajs's retries): transient, retry it. `unacknowledged` is what was not acknowledged when it failed, in
 * order (resend only that: the requests before it are written); the request in flight may or may not
 * have landed, so a resend can duplicate it (at-least-once).
 */
export class KafkaUnavailableError extends ChainwatchError {
  readonly unacknowledged: TopicMessages[] | undefined;
  constructor(message: string, options: { cause?: unknown; unacknowledged?: TopicMessages[] } = {}) {
    super("KAFKA_UNAVAILABLE", message, options.cause === undefined ? {} : { cause: options.cause });
    this.unacknowledged = options.unacknowledged;
  }
}

/** A message the broker refused for good (no retry can succeed), with the broker's error type. */
export interface RejectedMessage {
  topic: string;
  message: OutgoingMessage;
  /** The broker's error type, e.g. MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_RECORD. */
  errorType: string;
  error: string;
}

/**
 * The broker refused some messages of a publish for a reason that no retry can fix (too large, invalid).
 * Every other message of the call was acknowledged: `rejected` lists exactly what was not written.
 */
export class KafkaPublishRejectedError extends ChainwatchError {
  readonly rejected: RejectedMessage[];
  constructor(rejected: RejectedMessage[]) {
    const types = [...new Set(rejected.map((entry) => entry.errorType))].join(", ");
    super("KAFKA_PUBLISH_REJECTED", `kafka refused ${rejected.length} message(s) for good: ${types}`);
    this.rejected = rejected;
  }
}

export function isKafkaPublishRejectedError(error: unknown): error is KafkaPublishRejectedError {
  return error instanceof KafkaPublishRejectedError;
}

/**
 * Broker errors about the messages themselves: sending them again can never succeed, but the other messages
 * of the same request can. Other non-retriable errors (authorisation, configuration) concern the whole
 * cluster or topic: they stay "unavailable" (retried) rather than dropping every message.
 */
const MESSAGE_REJECTION_TYPES: ReadonlySet<string> = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "INVALID_REQUIRED_ACKS",
]);

/** kafkajs wraps the broker's error (KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded): unwrap it. */
export function kafkaErrorType(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const { type, cause, originalError } = error as {
    type?: unknown;
    cause?: unknown;
    originalError?: unknown;
  };
  if (typeof type === "string") return type;
  return kafkaErrorType(cause, depth + 1) ?? kafkaErrorType(originalError, depth + 1);
}

export function isMessageRejection(error: unknown): boolean {
  const type = kafkaErrorType(error);
  return type !== undefined && MESSAGE_REJECTION_TYPES.has(type);
}

/**
 * Writes to Kafka with acks=all: `publish` resolves once every in-sync replica has the messages. It rejects
 * with KafkaUnavailableError within `timeoutMs` when Kafka does not acknowledge (transient: retry what its
 * `unacknowledged` lists), or with KafkaPublishRejectedError when the broker refused some messages for good
 * (too large, invalid): those are isolated and listed, everything else of the call is written. A rejected
 * publish may still have written the request in flight (Kafka answered too late), so callers that retry
 * create duplicates; every stream consumer therefore dedupes on the key.
 */
export interface Publisher {
  publish(batches: readonly TopicMessages[]): Promise<void>;
  /** Connects now instead of on the first publish (workers fail fast at start). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

export interface PublisherOptions {
  kafka: Kafka;
  logger: Logger;
  /** Hard bound on one publish call, connection included. */
  timeoutMs?: number;
  /**
   * Bytes per produce request. kafkajs puts all of one call's messages for a partition into one record
   * batch, and the broker refuses a batch over message.max.bytes (1 MiB by default) with MESSAGE_TOO_LARGE,
   * which no retry fixes: a worker publishing a 3,000-message chunk to one partition stalled on it. Larger
   * publishes are split into requests of at most this size, sent in order.
   */
  maxRequestBytes?: number;
  metrics?: KafkaProducerMetrics;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = options.logger.child({ component: "kafka-publisher" });
  const producer: Producer = options.kafka.producer({
    // Topics are created explicitly (ensureTopics) with the configured partition count; auto-creation
    // would make a typo in a topic name a new topic with the broker's defaults.
    allowAutoTopicCreation: false,
    // The Java client's murmur2 partitioner, so a key maps to the same partition from any client; kafkajs's
    // own, with a murmur2 ~30× cheaper (partitioner.ts).
    createPartitioner: keyPartitioner,
  });
  let connecting: Promise<void> | undefined;
  let isClosed = false;

  const connect = (): Promise<void> => {
    connecting ??= producer.connect().catch((error: unknown) => {
      // Forget the failed attempt so the next publish tries again (the broker may be back).
      connecting = undefined;
      throw error;
    });
    return connecting;
  };

  const withTimeout = async <T>(work: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KafkaUnavailableError(`${what} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    connect: () => withTimeout(connect(), "kafka connect"),

    async publish(batches) {
      const topicMessages = batches.filter((batch) => batch.messages.length > 0);
      if (topicMessages.length === 0) return;
      if (isClosed) throw new KafkaUnavailableError("publisher is closed", { unacknowledged: topicMessages });
      const requests = splitBySize(topicMessages, options.maxRequestBytes ?? 512 * 1024);
      // Progress, so a failure can say what is not acknowledged: requests before `next` are written, and of
      // request `next` the messages before `isolatedUpTo` (while it is sent one message at a time).
      let next = 0;
      let isolatedUpTo = 0;
      let isAbandoned = false;
      const rejected: RejectedMessage[] = [];
      const send = (request: TopicMessages[]) =>
        // OutgoingMessage is a subset of kafkajs's Message (same field names): passed as is, no copy.
        producer.sendBatch({ acks: -1, topicMessages: request });
      const work = (async () => {
        await connect();
        for (; next < requests.length && !isAbandoned; next++) {
          const request = requests[next] as TopicMessages[];
          try {
            await send(request);
          } catch (error) {
            if (!isMessageRejection(error)) throw error;
            // Some message of this request is refused for good. Find which, one message at a time (rare, and
            // at most one request's worth), and write the rest.
            const single = request.flatMap(({ topic, messages }) =>
              messages.map((message) => ({ topic, message })),
            );
            for (isolatedUpTo = 0; isolatedUpTo < single.length && !isAbandoned; isolatedUpTo++) {
              const { topic, message } = single[isolatedUpTo] as { topic: string; message: OutgoingMessage };
              try {
                await send([{ topic, messages: [message] }]);
              } catch (singleError) {
                if (!isMessageRejection(singleError)) throw singleError;
                rejected.push({
                  topic,
                  message,
                  errorType: kafkaErrorType(singleError) ?? "UNKNOWN",
                  error: (singleError as Error).message,
                });
              }
            }
            isolatedUpTo = 0;
          }
        }
      })();
      // The race may leave `work` running after a timeout; it must not become an unhandled rejection.
      work.catch(() => {});
      try {
        await withTimeout(work, "kafka publish");
      } catch (error) {
        isAbandoned = true;
        options.metrics?.publishErrorsTotal.inc();
        logger.warn({ err: error }, "kafka publish failed");
        // Refused ones go back too: the retry isolates and reports them again rather than losing them.
        const unacknowledged = [
          ...rejected.map(({ topic, message }) => ({ topic, messages: [message] })),
          ...unacknowledgedOf(requests, next, isolatedUpTo),
        ];
        throw error instanceof KafkaUnavailableError
          ? new KafkaUnavailableError(error.message, { cause: error, unacknowledged })
          : new KafkaUnavailableError("kafka did not acknowledge the publish", {
              cause: error,
              unacknowledged,
            });
      }
      const isRejected = new Set(rejected.map((entry) => entry.message));
      for (const { topic, messages } of topicMessages) {
        const written = messages.filter((message) => !isRejected.has(message)).length;
        if (written > 0) options.metrics?.messagesPublishedTotal.inc({ topic }, written);
      }
      if (rejected.length > 0) {
        options.metrics?.publishErrorsTotal.inc();
        logger.error(
          { rejected: rejected.map(({ topic, errorType }) => ({ topic, errorType })) },
          "kafka refused messages for good; the rest of the publish is written",
        );
        throw new KafkaPublishRejectedError(rejected);
      }
    },

    close: once(async () => {
      isClosed = true;
      await producer.disconnect().catch((error: unknown) => {
        logger.warn({ err: error }, "kafka producer disconnect failed");
      });
    }),
  };
}

/** The messages of `requests` from request `next` (of which the first `skip` messages are written), in order. */
function unacknowledgedOf(requests: TopicMessages[][], next: number, skip: number): TopicMessages[] {
  const rest: TopicMessages[] = [];
  let toSkip = skip;
  for (const request of requests.slice(next)) {
    for (const { topic, messages } of request) {
      const kept = toSkip > 0 ? messages.slice(Math.min(toSkip, messages.length)) : messages;
      toSkip = Math.max(0, toSkip - messages.length);
      if (kept.length === 0) continue;
      const last = rest.at(-1);
      if (last?.topic === topic) last.messages.push(...kept);
      else rest.push({ topic, messages: [...kept] });
    }
  }
  return rest;
}

/** Approximate bytes of a message on the wire: key, value, headers and ~70 bytes of record overhead. */
function messageBytes(message: OutgoingMessage): number {
  let bytes =
    70 + Buffer.byteLength(message.value) + (message.key === null ? 0 : Buffer.byteLength(message.key));
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += name.length + value.length;
  return bytes;
}

/**
 * Groups the messages (topic by topic, order kept) into requests of at most `maxBytes`; a single message
 * larger than that goes alone (the broker then decides).
 */
export function splitBySize(batches: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let currentBytes = 0;
  for (const { topic, messages } of batches) {
    for (const message of messages) {
      const bytes = messageBytes(message);
      if (currentBytes > 0 && currentBytes + bytes > maxBytes) {
        requests.push(current);
        current = [];
        currentBytes = 0;
      }
      const last = current.at(-1);
      if (last?.topic === topic) last.messages.push(message);
      else current.push({ topic, messages: [message] });
      currentBytes += bytes;
    }
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
