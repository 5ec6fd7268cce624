import { type EnvFragment, envFragment } from "@chainwatch/service-kit";
import { z } from "zod";
import { DEFAULT_PARTITIONS, DEFAULT_STREAM_TOPICS } from "./topics.ts";

/** Kafka's own rule for topic names. */
export const kafkaTopicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, "must be a valid Kafka topic name");

const streamSettings = (clientId: string) => ({
  KAFKA_CLIENT_ID: z.string().default(clientId).describe("Kafka client id of this app."),
  KAFKA_GROUP_ID: z
    .string()
    .min(1)
    .default("chainwatch-scoring")
    .describe(
      "The scoring workers' consumer group: workers with the same id share the input topic's partitions (at most one per partition); the gateway reports its state.",
    ),
  KAFKA_TOPIC_TRANSACTIONS: kafkaTopicName
    .default(DEFAULT_STREAM_TOPICS.transactions)
    .describe("Input topic; override topic names only to isolate environments or tests."),
  KAFKA_TOPIC_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(DEFAULT_PARTITIONS)
    .describe(
      "Partitions of each topic an app creates at start (existing topics are left alone); caps the useful number of workers in a group.",
    ),
});

type StreamSettings = ReturnType<typeof streamSettings>;

/**
 * The connection to the stream and its input topic, for every app that talks to Kafka. With `defaultBrokers`
 * the app always needs Kafka (the worker); otherwise KAFKA_BROKERS is optional and `whenUnset` says what its
 * absence means (the gateway's embedded mode).
 */
export function kafkaEnvFragment(options: {
  clientId: string;
  defaultBrokers: string;
}): EnvFragment<{ KAFKA_BROKERS: z.ZodDefault<z.ZodString> } & StreamSettings>;
export function kafkaEnvFragment(options: {
  clientId: string;
  whenUnset: string;
}): EnvFragment<{ KAFKA_BROKERS: z.ZodOptional<z.ZodString> } & StreamSettings>;
export function kafkaEnvFragment(options: { clientId: string; defaultBrokers?: string; whenUnset?: string }) {
  const brokers = z.string();
  return envFragment(`Kafka${options.whenUnset ? `. Unset KAFKA_BROKERS → ${options.whenUnset}` : ""}`, {
    KAFKA_BROKERS: options.defaultBrokers
      ? brokers.default(options.defaultBrokers).describe("Comma-separated host:port list of the brokers.")
      : brokers.optional().meta({
          description: "Comma-separated host:port list of the brokers.",
          example: "127.0.0.1:9092",
        }),
    ...streamSettings(options.clientId),
  });
}
