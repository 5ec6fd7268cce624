// Registers LZ4, Snappy and ZSTD with kafkajs (gzip is built in): every client here reads all four.
import "./compression-codecs.ts";
import type { Logger } from "@chainwatch/service-kit";
import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from "kafkajs";
import { parseBrokerList } from "./topics.ts";

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** Bound on establishing a broker connection; a Kafka outage must fail fast, not hang a request. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Retries of one request before it fails (kafkajs doubles the wait from 100 ms each time). The gateway
   * keeps this low so an outage answers 503 in about a second; workers keep the default and retry on top.
   */
  retries?: number;
}

/** kafkajs logs through pino so every line has the same structure as ours. */
function pinoLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      if (level === KafkaLogLevel.ERROR) logger.error(fields, message);
      else if (level === KafkaLogLevel.WARN) logger.warn(fields, message);
      else if (level === KafkaLogLevel.INFO) logger.debug(fields, message);
    };
}

/** Opaque to apps: they pass it to this package's factories and never call kafkajs themselves. */
export type KafkaClient = Kafka;

/** The one place a kafkajs client is constructed; the rest of the code sees this package's interfaces. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(options.logger.child({ component: "kafkajs" })),
    retry: { initialRetryTime: 100, retries: options.retries ?? 5 },
  });
}

/** The connection settings of kafkaEnvFragment, as every app names them. */
export interface KafkaConnectionEnv {
  KAFKA_BROKERS?: string | undefined;
  KAFKA_CLIENT_ID: string;
}

/**
 * A client from the shared settings (kafkaEnvFragment): the brokers and client id the same way in every app;
 * `tuning` is what an app bounds differently (the gateway fails fast, the worker retries on top).
 */
export function createKafkaClientFromEnv(
  env: KafkaConnectionEnv,
  options: { logger: Logger } & Pick<
    KafkaClientOptions,
    "connectionTimeoutMs" | "requestTimeoutMs" | "retries"
  >,
): KafkaClient {
  const brokers = parseBrokerList(env.KAFKA_BROKERS ?? "");
  if (brokers.length === 0) throw new Error("KAFKA_BROKERS names no broker");
  return createKafkaClient({ ...options, brokers, clientId: env.KAFKA_CLIENT_ID });
}
