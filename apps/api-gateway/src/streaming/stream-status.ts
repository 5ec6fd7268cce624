import type { StreamAdmin } from "@chainwatch/kafka";
import { type Logger, withTimeout } from "@chainwatch/service-kit";
import type { z } from "zod";
import { HttpError } from "../http/errors.ts";
import type { StreamStatusSchema, StreamThroughputSchema } from "../http/schemas.ts";
import type { IngestService } from "./ingest.ts";

export type StreamThroughput = NonNullable<z.infer<typeof StreamThroughputSchema>>;
export type StreamStatus = z.infer<typeof StreamStatusSchema>;
export type KafkaStreamStatus = Extract<StreamStatus, { mode: "kafka" }>;
export type EmbeddedStreamStatus = Extract<StreamStatus, { mode: "embedded" }>;

export interface StreamStatusService {
  status(): Promise<StreamStatus>;
  stop(): void;
}

interface Sample {
  atMs: number;
  consumed: number;
  produced: number;
}

/**
 * Keeps samples of (consumed, produced) totals for `windowMs` and turns the oldest and newest into rates.
 * Sampling starts with the first status request (a gateway nobody asks never polls Kafka), then runs every
 * `intervalMs` so a later request has a window to compare against.
 */
function createSampler(options: {
  read: () => Promise<{ consumed: number; produced: number }>;
  intervalMs: number;
  windowMs: number;
  now?: () => number;
}) {
  const now = options.now ?? (() => Date.now());
  const samples: Sample[] = [];
  let timer: NodeJS.Timeout | undefined;
  const add = (sample: Sample) => {
    samples.push(sample);
    while (samples.length > 2 && (samples[0]?.atMs ?? 0) < sample.atMs - options.windowMs) samples.shift();
  };
  const takeSample = async () => {
    const totals = await options.read();
    const sample = { atMs: now(), ...totals };
    add(sample);
    return sample;
  };
  return {
    async sampleNow(): Promise<StreamThroughput | null> {
      if (!timer) {
        timer = setInterval(() => void takeSample().catch(() => {}), options.intervalMs);
        timer.unref();
      }
      const latest = await takeSample();
      const oldest = samples.find((sample) => latest.atMs - sample.atMs >= 1_000);
      if (!oldest) return null;
      const seconds = (latest.atMs - oldest.atMs) / 1000;
      const rate = (delta: number) => Math.max(0, Math.round((delta / seconds) * 10) / 10);
      return {
        windowSeconds: Math.round(seconds * 10) / 10,
        consumedPerSecond: rate(latest.consumed - oldest.consumed),
        producedPerSecond: rate(latest.produced - oldest.produced),
      };
    },
    stop() {
      clearInterval(timer);
    },
  };
}

const bounded = <T>(work: Promise<T>, timeoutMs: number): Promise<T> =>
  withTimeout(work, timeoutMs, `kafka admin did not answer within ${timeoutMs} ms`);

/** Group members, partitions, lag and throughput from the broker: describeGroups, fetchOffsets, fetchTopicOffsets. */
export function createKafkaStreamStatus(options: {
  admin: Pick<StreamAdmin, "describeGroup" | "groupLag">;
  topic: string;
  groupId: string;
  sampleIntervalMs: number;
  windowMs: number;
  timeoutMs: number;
  logger: Logger;
}): StreamStatusService {
  let latestLag: Awaited<ReturnType<StreamAdmin["groupLag"]>> | undefined;
  const readLag = async () => {
    latestLag = await bounded(options.admin.groupLag(options.groupId, options.topic), options.timeoutMs);
    return latestLag;
  };
  const sampler = createSampler({
    intervalMs: options.sampleIntervalMs,
    windowMs: options.windowMs,
    read: async () => {
      const lag = await readLag();
      return {
        consumed: lag.reduce((sum, partition) => sum + Number(partition.committed ?? 0n), 0),
        produced: lag.reduce((sum, partition) => sum + Number(partition.high), 0),
      };
    },
  });

  return {
    async status() {
      try {
        const [group, throughput] = await Promise.all([
          bounded(options.admin.describeGroup(options.groupId), options.timeoutMs),
          sampler.sampleNow(),
        ]);
        const lag = latestLag ?? [];
        const ownerOf = new Map<number, string>();
        const members = group.members.map((member) => {
          const partitions = member.assignment[options.topic] ?? [];
          for (const partition of partitions) ownerOf.set(partition, member.memberId);
          return {
            memberId: member.memberId,
            clientId: member.clientId,
            host: member.clientHost,
            partitions,
          };
        });
        return {
          mode: "kafka",
          topic: options.topic,
          groupId: options.groupId,
          state: group.state,
          members,
          partitions: lag.map((partition) => ({
            partition: partition.partition,
            committedOffset: partition.committed === null ? null : String(partition.committed),
            highWatermark: String(partition.high),
            lag: Number(partition.lag),
            memberId: ownerOf.get(partition.partition) ?? null,
          })),
          totalLag: lag.reduce((sum, partition) => sum + Number(partition.lag), 0),
          throughput,
          sampledAt: new Date().toISOString(),
        };
      } catch (error) {
        options.logger.warn({ err: error }, "stream status unavailable");
        throw new HttpError(503, "KAFKA_UNAVAILABLE", "the transaction stream is unavailable; retry later", {
          cause: error,
          headers: { "Retry-After": "5" },
        });
      }
    },
    stop: () => sampler.stop(),
  };
}

/** Embedded mode: no Kafka; what the in-process pipeline took in, and at what rate. */
export function createEmbeddedStreamStatus(options: {
  ingest: Pick<IngestService, "totals">;
  sampleIntervalMs: number;
  windowMs: number;
  /** The chain follower's status, when the gateway follows a chain. */
  chain?: () => NonNullable<EmbeddedStreamStatus["chain"]>;
}): StreamStatusService {
  const sampler = createSampler({
    intervalMs: options.sampleIntervalMs,
    windowMs: options.windowMs,
    read: async () => {
      const { accepted } = options.ingest.totals();
      return { consumed: accepted, produced: accepted };
    },
  });
  return {
    async status() {
      const { accepted, rejected } = options.ingest.totals();
      return {
        mode: "embedded",
        description:
          "No Kafka configured (KAFKA_BROKERS unset): the ingest endpoints validate, score and store in process, through the same pipeline as the scoring workers.",
        totals: { accepted, rejected },
        throughput: await sampler.sampleNow(),
        ...(options.chain ? { chain: options.chain() } : {}),
        sampledAt: new Date().toISOString(),
      };
    },
    stop: () => sampler.stop(),
  };
}
