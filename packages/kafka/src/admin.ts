import { type Logger, once, retryWithBackoff } from "@chainwatch/service-kit";
import { type Admin, AssignerProtocol, type Kafka } from "kafkajs";
import { isTransientKafkaError } from "./transient-errors.ts";

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** -1 → the broker's default.replication.factor. */
  replicationFactor?: number;
}

export interface PartitionOffsets {
  partition: number;
  /** Earliest offset still in the log. */
  low: bigint;
  /** Offset the next message will get (the high watermark). */
  high: bigint;
}

export interface PartitionLag {
  partition: number;
  /** The group's committed offset (next to consume); null when the group never committed here. */
  committed: bigint | null;
  high: bigint;
  /** high - committed, or high - low when nothing is committed (the group reads from the beginning). */
  lag: bigint;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** Partitions of each topic assigned to this member. */
  assignment: Record<string, number[]>;
}

export interface GroupDescription {
  groupId: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead or Unknown. */
  state: string;
  members: GroupMember[];
}

/** The admin operations the apps use: topic creation, offsets, lag and group membership. */
export interface StreamAdmin {
  /**
   * Creates missing topics; existing ones are left alone (a smaller partition count is logged, not
   * changed). Answers with what it created and every topic's partition count.
   */
  ensureTopics(
    specs: readonly TopicSpec[],
  ): Promise<{ created: string[]; partitions: Record<string, number> }>;
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  groupLag(groupId: string, topic: string): Promise<PartitionLag[]>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export function createStreamAdmin(options: { kafka: Kafka; logger: Logger }): StreamAdmin {
  const logger = options.logger.child({ component: "kafka-admin" });
  const admin: Admin = options.kafka.admin();
  let connecting: Promise<void> | undefined;
  const connected = async (): Promise<Admin> => {
    connecting ??= admin.connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    await connecting;
    return admin;
  };

  // Reads a fresh cluster or a new topic may refuse for seconds (no leader or group coordinator yet; on a
  // busy 2-core CI machine the first coordinator took longer than 2.5 s): retried for up to ~20 s instead
  // of failing the lag monitor's or the status route's turn.
  const read = <T>(operation: () => Promise<T>) =>
    retryWithBackoff(operation, {
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      maxAttempts: 25,
      isRetriable: isTransientKafkaError,
      onRetry: (error, attempt) => logger.debug({ err: error, attempt }, "kafka admin read retried"),
    });

  const topicOffsets = async (topic: string): Promise<PartitionOffsets[]> => {
    const client = await connected();
    const offsets = await read(() => client.fetchTopicOffsets(topic));
    return offsets
      .map(({ partition, low, high }) => ({ partition, low: BigInt(low), high: BigInt(high) }))
      .sort((a, b) => a.partition - b.partition);
  };

  return {
    async ensureTopics(specs) {
      const client = await connected();
      const existing = new Set(await client.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.topic));
      if (missing.length > 0) {
        // Two workers starting together may both try: createTopics treats "already exists" as done.
        await client.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({
            topic: spec.topic,
            numPartitions: spec.numPartitions,
            replicationFactor: spec.replicationFactor ?? -1,
          })),
        });
        logger.info({ topics: missing.map((spec) => spec.topic) }, "kafka topics created");
      }
      const partitions: Record<string, number> = {};
      const metadata = await client.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
      for (const topic of metadata.topics) {
        partitions[topic.name] = topic.partitions.length;
        if (existing.has(topic.name)) {
          const wanted = specs.find((spec) => spec.topic === topic.name)?.numPartitions ?? 0;
          if (topic.partitions.length < wanted) {
            // Adding partitions remaps keys to partitions; that is an operator's decision, not a start-up side effect.
            logger.warn(
              { topic: topic.name, partitions: topic.partitions.length, configured: wanted },
              "kafka topic has fewer partitions than configured; left unchanged",
            );
          }
        }
      }
      return { created: missing.map((spec) => spec.topic), partitions };
    },

    topicOffsets,

    async groupLag(groupId, topic) {
      const client = await connected();
      const [offsets, committed] = await Promise.all([
        topicOffsets(topic),
        read(() => client.fetchOffsets({ groupId, topics: [topic] })),
      ]);
      const committedByPartition = new Map<number, bigint>();
      for (const { partition, offset } of committed[0]?.partitions ?? []) {
        const value = BigInt(offset);
        if (value >= 0n) committedByPartition.set(partition, value);
      }
      return offsets.map(({ partition, low, high }) => {
        const at = committedByPartition.get(partition) ?? null;
        const from = at ?? low;
        return { partition, committed: at, high, lag: high > from ? high - from : 0n };
      });
    },

    async describeGroup(groupId) {
      const client = await connected();
      const { groups } = await read(() => client.describeGroups([groupId]));
      const group = groups[0];
      return {
        groupId,
        state: group?.state ?? "Unknown",
        members: (group?.members ?? []).map((member) => {
          const decoded =
            member.memberAssignment.length > 0
              ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment)
              : null;
          return {
            memberId: member.memberId,
            clientId: member.clientId,
            clientHost: member.clientHost,
            assignment: Object.fromEntries(
              Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => [
                topic,
                [...partitions].sort((a, b) => a - b),
              ]),
            ),
          };
        }),
      };
    },

    async deleteTopics(topics) {
      await (await connected()).deleteTopics({ topics: [...topics] });
    },

    close: once(async () => {
      if (connecting !== undefined) await admin.disconnect().catch(() => {});
    }),
  };
}
