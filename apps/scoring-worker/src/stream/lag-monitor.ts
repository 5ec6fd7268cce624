import type { PartitionLag, StreamAdmin } from "@chainwatch/kafka";
import type { KafkaConsumerMetrics } from "@chainwatch/metrics";
import { type Component, type Logger, once } from "@chainwatch/service-kit";

export interface LagMonitorOptions {
  admin: Pick<StreamAdmin, "groupLag">;
  groupId: string;
  topic: string;
  intervalMs: number;
  logger: Logger;
  metrics?: KafkaConsumerMetrics;
}

export interface LagMonitor extends Component {
  /** Reads offsets now and updates the gauge; the latest reading, or undefined if Kafka did not answer. */
  refresh(): Promise<PartitionLag[] | undefined>;
  latest(): PartitionLag[] | undefined;
}

/**
 * kafka_consumer_lag from the broker's view: high watermark minus the group's committed offset, per
 * partition, every `intervalMs`. It measures the group, not this member, so it keeps rising while every
 * worker is stopped or stuck (the case it must alert on), and every worker reports the same numbers
 * (aggregate with max, not sum).
 */
export function createLagMonitor(options: LagMonitorOptions): LagMonitor {
  const logger = options.logger.child({ component: "lag-monitor" });
  let timer: NodeJS.Timeout | undefined;
  let latest: PartitionLag[] | undefined;
  let inFlight: Promise<PartitionLag[] | undefined> | undefined;
  let hasWarned = false;

  const read = async (): Promise<PartitionLag[] | undefined> => {
    try {
      const lag = await options.admin.groupLag(options.groupId, options.topic);
      for (const { partition, lag: value } of lag) {
        options.metrics?.consumerLag.set(
          { topic: options.topic, partition: String(partition) },
          Number(value),
        );
      }
      latest = lag;
      hasWarned = false;
      return lag;
    } catch (error) {
      options.metrics?.errorsTotal.inc({ error_type: "lag" });
      // One warning per outage, not one per interval.
      if (!hasWarned) logger.warn({ err: error }, "consumer lag refresh failed");
      hasWarned = true;
      return undefined;
    }
  };

  const refresh = () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    refresh,
    latest: () => latest,
    async start() {
      await refresh();
      timer = setInterval(() => void refresh(), options.intervalMs);
      timer.unref();
    },
    stop: once(async () => {
      clearInterval(timer);
      await inFlight;
    }),
  };
}
