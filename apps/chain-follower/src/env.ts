import { chainEnvFragment, requireChainIdWithRpcUrl } from "@chainwatch/chain/env";
import { DEFAULT_STREAM_TOPICS, kafkaEnvFragment, kafkaTopicName, TOPICS } from "@chainwatch/kafka/formats";
import { defineAppEnv, type EnvSource, envFragment, logLevel } from "@chainwatch/service-kit";
import { databaseEnvFragment } from "@chainwatch/store";
import { z } from "zod";

const processEnv = envFragment("Process: logs, health and metrics, shutdown", {
  LOG_LEVEL: logLevel.default("info").describe("fatal, error, warn, info, debug, trace or silent."),
  HEALTH_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(9466)
    .describe(
      "/health/live, /health/ready, /health (the follower's head, checkpoint, lag, reorgs), /metrics.",
    ),
  HEALTH_HOST: z.string().default("0.0.0.0").describe("Interface of the health and metrics endpoint."),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(25_000)
    .describe("Hard bound on graceful shutdown (finish the block in hand, close clients)."),
});

const outputEnv = envFragment("Kafka: where retractions go", {
  KAFKA_TOPIC_RETRACTIONS: kafkaTopicName
    .default(TOPICS.retractions)
    .describe("Transactions of orphaned blocks (RetractionMessage), keyed by chain id."),
});

const followerEnv = defineAppEnv({
  app: "chain follower",
  packageName: "@chainwatch/chain-follower",
  fragments: [
    processEnv,
    chainEnvFragment({ required: true }),
    kafkaEnvFragment({ clientId: "chainwatch-chain-follower", defaultBrokers: "127.0.0.1:9092" }),
    outputEnv,
    databaseEnvFragment({ defaultUrl: "postgres://chainwatch@127.0.0.1:5432/chainwatch" }),
  ],
});

/** Every setting of the chain follower; apps/chain-follower/.env.example is rendered from it. */
export const FollowerEnvSchema = followerEnv.schema;
export const renderFollowerEnvExample = followerEnv.renderExample;

export type FollowerEnv = z.infer<typeof FollowerEnvSchema> & { CHAIN_ID: number; configNotes: string[] };

export function loadEnv(source: EnvSource = process.env): FollowerEnv {
  const { env, configNotes } = followerEnv.parse(source, (schema) =>
    schema.refine(requireChainIdWithRpcUrl.check, {
      path: ["CHAIN_ID"],
      message: requireChainIdWithRpcUrl.message,
    }),
  );
  return { ...env, CHAIN_ID: env.CHAIN_ID as number, configNotes };
}

export { DEFAULT_STREAM_TOPICS };
