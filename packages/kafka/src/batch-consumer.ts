import { type Logger, once } from "@chainwatch/service-kit";
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionOffset extends TopicPartition {
  /** The next offset to consume (last processed + 1), as Kafka commits it. */
  offset: string;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Broker timestamp, epoch milliseconds as a string. */
  timestamp: string;
  /** Record headers as the producer set them (only present when there are some). */
  headers?: MessageHeaders;
  /**
   * Set when this message stands for a whole record batch that could not be decoded (a corrupt payload, a
   * failing codec): `value` then holds the raw batch, `offset` is its last offset and `firstOffset` its
   * first. It is never a producer's message; the consumer decides what happens to it (the worker
   * dead-letters it). From the patched kafkajs decoder (patches/kafkajs@2.2.4.patch).
   */
  undecodable?: UndecodableBatch;
}

/** Kafka record headers: a name may repeat (then an array); values are bytes. */
export type MessageHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

export interface UndecodableBatch {
  error: string;
  /** Kafka's compression id of the batch: 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  firstOffset: string;
}

/** What the patched kafkajs decoder adds to the one record it returns for an undecodable batch. */
interface PatchedRecord {
  undecodableBatch?: { error: string; compression: number; firstOffset: string };
}

function undecodableOf(message: object): UndecodableBatch | undefined {
  const marker = (message as PatchedRecord).undecodableBatch;
  if (marker === undefined) return undefined;
  return { error: marker.error, compression: marker.compression, firstOffset: marker.firstOffset };
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: ConsumedMessage[];
}

/** What a batch handler may do while it holds a batch. */
export interface BatchControl {
  /**
   * Marks messages up to and including `offset` as taken: the next fetch of this partition starts after
   * it. Nothing is committed; messages not marked are fetched again.
   */
  markTaken(offset: string): void;
  /** Sends a heartbeat if the interval has passed; throws when the group is rebalancing (rethrow it). */
  heartbeat(): Promise<void>;
  isRunning(): boolean;
}

export type BatchHandler = (batch: ConsumedBatch, control: BatchControl) => Promise<void>;

export interface ConsumerListeners {
  /** After every group join, with this member's partitions (possibly none). */
  onAssigned?(partitions: TopicPartition[]): void;
  /** A rebalance started; the assignment may change. */
  onRebalancing?(): void;
  /** The consumer crashed; kafkajs restarts it (rejoining the group) when `willRestart`. */
  onCrash?(error: Error, willRestart: boolean): void;
}

/**
 * A consumer group member reading batches, with manual commits only. Handlers run for one partition's
 * batch at a time, up to `partitionsConsumedConcurrently` partitions at once.
 */
export interface BatchConsumer {
  run(handler: BatchHandler, listeners?: ConsumerListeners): Promise<void>;
  /** Stops fetching these partitions (batches in hand are unaffected) until resumed. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Commits under the current group generation; rejects if the group moved on (the offsets are then moot). */
  commit(offsets: readonly PartitionOffset[]): Promise<void>;
  /** Stops fetching, waits for handlers to return, leaves the group and disconnects. Idempotent. */
  stop(): Promise<void>;
}

export interface BatchConsumerOptions {
  kafka: Kafka;
  logger: Logger;
  groupId: string;
  topic: string;
  /** Where a group without committed offsets starts: true → the oldest retained message. */
  fromBeginning?: boolean;
  /** No heartbeat for this long → the member is removed and its partitions reassigned. */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /**
   * How long the coordinator waits for every member to rejoin once a rebalance starts. kafkajs has no
   * max.poll.interval.ms: a member is only removed by a missed session timeout, or by not rejoining within
   * this bound because a handler did not return.
   */
  rebalanceTimeoutMs: number;
  partitionsConsumedConcurrently: number;
  /** Fetch bounds: bytes per partition and per response, and the broker's long-poll wait when idle. */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  maxWaitTimeMs?: number;
}

export function createBatchConsumer(options: BatchConsumerOptions): BatchConsumer {
  const logger = options.logger.child({ component: "kafka-consumer", groupId: options.groupId });
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxBytes: options.maxBytes ?? 10_485_760,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
  });
  let isStarted = false;

  // pause/resume throw while kafkajs has no group (before run, or between a crash and its restart);
  // the worker re-applies its pause state on the next assignment, so a dropped call is harmless.
  const tolerate = (what: string, action: () => void) => {
    try {
      action();
    } catch (error) {
      logger.debug({ err: error }, `kafka ${what} skipped: consumer not running`);
    }
  };
  const byTopic = (partitions: readonly TopicPartition[]) => {
    const grouped = new Map<string, number[]>();
    for (const { topic, partition } of partitions)
      grouped.set(topic, [...(grouped.get(topic) ?? []), partition]);
    return [...grouped].map(([topic, list]) => ({ topic, partitions: list }));
  };

  return {
    async run(handler, listeners = {}) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const partitions = Object.entries(payload.memberAssignment).flatMap(([topic, list]) =>
          list.map((partition) => ({ topic, partition })),
        );
        logger.info(
          { memberId: payload.memberId, partitions: partitions.map((tp) => tp.partition) },
          "kafka group joined",
        );
        listeners.onAssigned?.(partitions);
      });
      consumer.on(consumer.events.REBALANCING, () => listeners.onRebalancing?.());
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        logger.error({ err: payload.error, restart: payload.restart }, "kafka consumer crashed");
        listeners.onCrash?.(payload.error, payload.restart);
      });
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
      isStarted = true;
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch: async (payload: EachBatchPayload) => {
          const { batch } = payload;
          await handler(
            {
              topic: batch.topic,
              partition: batch.partition,
              highWatermark: batch.highWatermark,
              messages: batch.messages.map((message) => {
                const consumed: ConsumedMessage = {
                  topic: batch.topic,
                  partition: batch.partition,
                  offset: message.offset,
                  key: message.key ?? null,
                  value: message.value ?? null,
                  timestamp: message.timestamp,
                };
                if (message.headers && Object.keys(message.headers).length > 0) {
                  consumed.headers = message.headers;
                }
                const undecodable = undecodableOf(message);
                if (undecodable) {
                  consumed.undecodable = undecodable;
                  logger.error(
                    { partition: batch.partition, offset: message.offset, ...undecodable },
                    "kafka record batch could not be decoded",
                  );
                }
                return consumed;
              }),
            },
            {
              markTaken: (offset) => payload.resolveOffset(offset),
              heartbeat: () => payload.heartbeat(),
              isRunning: () => payload.isRunning() && !payload.isStale(),
            },
          );
        },
      });
    },
    pause: (partitions) => tolerate("pause", () => consumer.pause(byTopic(partitions))),
    resume: (partitions) => tolerate("resume", () => consumer.resume(byTopic(partitions))),
    async commit(offsets) {
      if (offsets.length === 0) return;
      await consumer.commitOffsets(offsets.map((offset) => ({ ...offset })));
    },
    stop: once(async () => {
      if (!isStarted) {
        await consumer.disconnect().catch(() => {});
        return;
      }
      await consumer.disconnect();
      logger.info({}, "kafka consumer left the group");
    }),
  };
}
