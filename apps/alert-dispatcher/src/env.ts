import { alertDeliveryEnvFragment, alertTargetEnvFragment } from "@chainwatch/alerts";
import { DEFAULT_STREAM_TOPICS, kafkaEnvFragment, kafkaTopicName } from "@chainwatch/kafka/formats";
import { defineAppEnv, type EnvSource, envBoolean, envFragment, logLevel } from "@chainwatch/service-kit";
import { databaseEnvFragment } from "@chainwatch/store";
import { z } from "zod";

const ms = z.coerce.number().int().positive();

const processEnv = envFragment("Process: logs, health and metrics, shutdown", {
  LOG_LEVEL: logLevel.default("info").describe("fatal, error, warn, info, debug, trace or silent."),
  HEALTH_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(9467)
    .describe("Health and metrics endpoint: /health/live, /health/ready, /health, /metrics."),
  HEALTH_HOST: z.string().default("0.0.0.0").describe("Interface of the health and metrics endpoint."),
  SHUTDOWN_TIMEOUT_MS: ms
    .default(25_000)
    .describe("Hard bound on graceful shutdown (leave the group, finish requests in flight, close clients)."),
});

const consumerEnv = envFragment("Kafka: the anomalies consumer group", {
  KAFKA_TOPIC_ANOMALIES: kafkaTopicName
    .default(DEFAULT_STREAM_TOPICS.anomalies)
    .describe("The anomalies topic the scoring workers publish to."),
  KAFKA_ALERT_GROUP_ID: z
    .string()
    .min(1)
    .default("chainwatch-alerts")
    .describe(
      "The dispatchers' consumer group: dispatchers with the same id share the anomalies topic's partitions.",
    ),
  KAFKA_ALERT_PARTITIONS_CONCURRENTLY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(3)
    .describe("Partitions whose batches are routed into the outbox at once."),
  KAFKA_SESSION_TIMEOUT_MS: ms
    .default(6_000)
    .describe("A member silent this long is removed and its partitions reassigned (as the scoring workers)."),
  KAFKA_HEARTBEAT_INTERVAL_MS: ms
    .default(1_000)
    .describe("Heartbeat period; at most a third of the session timeout."),
  KAFKA_REBALANCE_TIMEOUT_MS: ms
    .default(60_000)
    .describe("How long members have to rejoin once a rebalance starts."),
  KAFKA_FROM_BEGINNING: envBoolean
    .default(true)
    .describe(
      "A group without committed offsets starts at the oldest retained anomaly (true) or only new ones.",
    ),
});

const dispatcherEnv = defineAppEnv({
  app: "alert dispatcher",
  packageName: "@chainwatch/alert-dispatcher",
  fragments: [
    processEnv,
    kafkaEnvFragment({ clientId: "chainwatch-alert-dispatcher", defaultBrokers: "127.0.0.1:9092" }),
    consumerEnv,
    databaseEnvFragment({ defaultUrl: "postgres://postgres@127.0.0.1:5432/test" }),
    alertTargetEnvFragment,
    alertDeliveryEnvFragment,
  ],
});

/** Every setting of the alert dispatcher; apps/alert-dispatcher/.env.example is rendered from it. */
export const DispatcherEnvSchema = dispatcherEnv.schema;
export const renderDispatcherEnvExample = dispatcherEnv.renderExample;

export type DispatcherEnv = z.infer<typeof DispatcherEnvSchema> & { configNotes: string[] };

export function loadEnv(source: EnvSource = process.env): DispatcherEnv {
  const { env, configNotes } = dispatcherEnv.parse(source, (schema) =>
    schema.refine((value) => value.KAFKA_HEARTBEAT_INTERVAL_MS * 3 <= value.KAFKA_SESSION_TIMEOUT_MS, {
      path: ["KAFKA_HEARTBEAT_INTERVAL_MS"],
      message: "must be at most a third of KAFKA_SESSION_TIMEOUT_MS",
    }),
  );
  return { ...env, configNotes };
}
