import type { KafkaProducerMetrics } from "@chainwatch/metrics";
import { ChainwatchError, type Logger, once } from "@chainwatch/service-kit";
import { type Kafka, Partitioners, type Producer } from "kafkajs";

export interface OutgoingMessage {
  /** The partitioning key (a tx hash); null spreads messages round-robin. */
  key: string | null;
  /** UTF-8 JSON for every stream message; bytes only where a test needs a malformed value. */
  value: string | Buffer;
  /**
   * Explicit partition; unset → murmur2 of the key. The worker sets the input partition on its outputs when
   * all topics have the same partition count: the same partition murmur2 would pick, without its cost.
   */
  partition?: number;
  headers?: Record<string, string>;
}

export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

/** Kafka did not acknowledge a publish in time (down, unreachable, or no leader); nothing is known to be written. */
export class KafkaUnavailableError extends ChainwatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("KAFKA_UNAVAILABLE", message, options);
  }
}

/**
 * Writes to Kafka with acks=all: `publish` resolves once every in-sync replica has the messages, or rejects
 * with KafkaUnavailableError within `timeoutMs`. A rejected publish may still have written some or all
 * messages (Kafka answered too late), so callers that retry create duplicates; every stream consumer
 * therefore dedupes on the key.
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
    // The Java client's murmur2 partitioner, so a key maps to the same partition from any client.
    createPartitioner: Partitioners.DefaultPartitioner,
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
      if (isClosed) throw new KafkaUnavailableError("publisher is closed");
      const work = (async () => {
        await connect();
        for (const request of splitBySize(topicMessages, options.maxRequestBytes ?? 512 * 1024)) {
          // OutgoingMessage is a subset of kafkajs's Message (same field names), so it is passed as is:
          // no per-message copy.
          await producer.sendBatch({ acks: -1, topicMessages: request });
        }
      })();
      // The race may leave `work` running after a timeout; it must not become an unhandled rejection.
      work.catch(() => {});
      try {
        await withTimeout(work, "kafka publish");
      } catch (error) {
        options.metrics?.publishErrorsTotal.inc();
        logger.warn({ err: error }, "kafka publish failed");
        throw error instanceof KafkaUnavailableError
          ? error
          : new KafkaUnavailableError("kafka did not acknowledge the publish", { cause: error });
      }
      for (const { topic, messages } of topicMessages) {
        options.metrics?.messagesPublishedTotal.inc({ topic }, messages.length);
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
