import { type Alert, type AlertRouter, alertFromAnomaly } from "@chainwatch/alerts";
import type { BatchConsumer, BatchControl, ConsumedBatch } from "@chainwatch/kafka";
import { AnomalyMessageSchema, decodeMessage } from "@chainwatch/kafka/formats";
import { type Component, type Logger, once, retryWithBackoff } from "@chainwatch/service-kit";

export interface IntakeStats {
  anomalies: number;
  queued: number;
  duplicates: number;
  undecodable: number;
}

/**
 * The anomalies topic into the outbox. Per batch: decode, route (one outbox statement), and only then
 * commit the offset: a crash before the commit redelivers the batch, and the outbox's unique
 * (destination, transaction) key makes the second write a no-op. A store outage is retried with backoff
 * (heartbeating, nothing committed) until it clears or the partition moves to another member.
 */
export function createAnomalyIntake(options: {
  consumer: BatchConsumer;
  router: AlertRouter;
  linkBaseUrl: string;
  logger: Logger;
  /** After each routed batch (the in-process dispatcher claims at once). */
  onRouted?: () => void;
  /** The consumer crashed and kafkajs will not restart it: the process must exit. */
  onFatal?: (error: Error) => void;
}): Component & { stats(): IntakeStats; isAssigned(): boolean } {
  const { consumer, router } = options;
  const logger = options.logger.child({ component: "anomaly-intake" });
  const stats: IntakeStats = { anomalies: 0, queued: 0, duplicates: 0, undecodable: 0 };
  const stopping = new AbortController();
  let isAssigned = false;
  let running: Promise<void> | undefined;

  async function handle(batch: ConsumedBatch, control: BatchControl) {
    const last = batch.messages.at(-1);
    if (!last) return;
    const alerts: Alert[] = [];
    for (const message of batch.messages) {
      const decoded = decodeMessage(AnomalyMessageSchema, message.value);
      if (decoded.ok) alerts.push(alertFromAnomaly(decoded.message, options.linkBaseUrl));
      else {
        // Not an anomaly this version can read: nothing to alert on. Logged and counted, never blocking.
        stats.undecodable += 1;
        logger.warn(
          {
            partition: message.partition,
            offset: message.offset,
            reason: decoded.reason,
            error: decoded.error,
          },
          "anomaly message skipped",
        );
      }
    }
    const outcome = await retryWithBackoff(() => router.route(alerts), {
      initialDelayMs: 200,
      maxDelayMs: 5_000,
      signal: stopping.signal,
      onRetry: async (error, attempt) => {
        logger.warn({ err: error, attempt, partition: batch.partition }, "outbox write failed; retrying");
        await control.heartbeat();
      },
    });
    stats.anomalies += alerts.length;
    stats.queued += outcome.queued;
    stats.duplicates += outcome.duplicates;
    const next = (BigInt(last.offset) + 1n).toString();
    try {
      await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    } catch (error) {
      // The group moved on: the next owner reads these again and the outbox ignores them.
      logger.warn({ err: error, partition: batch.partition }, "anomaly offsets not committed");
    }
    control.markTaken(last.offset);
    options.onRouted?.();
  }

  return {
    stats: () => ({ ...stats }),
    isAssigned: () => isAssigned,
    async start() {
      running = consumer.run(handle, {
        onAssigned: () => {
          isAssigned = true;
        },
        onCrash: (error, willRestart) => {
          if (!willRestart) options.onFatal?.(error);
        },
      });
      await running;
    },
    stop: once(async () => {
      stopping.abort();
      await consumer.stop();
    }),
  };
}
