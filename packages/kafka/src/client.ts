import type { Logger } from "@chainwatch/service-kit";
import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from "kafkajs";

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** Bound on establishing a broker connection; a Kafka outage must fail fast, not hang a request. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
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

/** The one place a kafkajs client is constructed; the rest of the code sees this package's interfaces. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(options.logger.child({ component: "kafkajs" })),
    retry: { initialRetryTime: 100, retries: 5 },
  });
}
