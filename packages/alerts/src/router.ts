import type { AlertMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import { type Alert, alertMessageId } from "./alert.ts";
import type { DeliveryDestination, DestinationRepository } from "./destinations.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";
import { decide } from "./policy.ts";

export interface RouteOutcome {
  /** New outbox rows. */
  queued: number;
  /** (destination, transaction) pairs already queued: a redelivered anomaly. */
  duplicates: number;
  filtered: number;
  muted: number;
}

export interface AlertRouter {
  /**
   * Writes one outbox row per alert and destination whose policy takes it, durably, before it resolves:
   * the caller commits its Kafka offset (or answers its request) only after. Throws when the store fails.
   */
  route(alerts: readonly Alert[]): Promise<RouteOutcome>;
  /** Forgets the cached destinations (after an API change in the same process). */
  invalidate(): void;
}

/**
 * Routes alerts to destinations through their policies. Destinations are read at most once per
 * `refreshMs`: a change made through another replica's API applies here within that long.
 */
export function createAlertRouter(options: {
  destinations: Pick<DestinationRepository, "listForDelivery">;
  outbox: Pick<Outbox, "enqueue">;
  refreshMs: number;
  logger: Logger;
  metrics?: AlertMetrics;
  now?: () => Date;
}): AlertRouter {
  const now = options.now ?? (() => new Date());
  let cached: { at: number; destinations: Promise<DeliveryDestination[]> } | undefined;

  const destinations = () => {
    if (!cached || Date.now() - cached.at >= options.refreshMs) {
      const loading = options.destinations.listForDelivery();
      cached = { at: Date.now(), destinations: loading };
      loading.catch(() => {
        if (cached?.destinations === loading) cached = undefined;
      });
    }
    return cached.destinations;
  };

  return {
    invalidate: () => {
      cached = undefined;
    },
    async route(alerts) {
      const outcome: RouteOutcome = { queued: 0, duplicates: 0, filtered: 0, muted: 0 };
      if (alerts.length === 0) return outcome;
      const targets = await destinations();
      const entries: OutboxEntry[] = [];
      const at = now();
      for (const alert of alerts) {
        for (const destination of targets) {
          const decision = decide(alert, destination.policy, at);
          if (decision === "filtered") outcome.filtered += 1;
          else if (decision === "muted") outcome.muted += 1;
          else
            entries.push({
              destinationId: destination.id,
              hash: alert.hash,
              messageId: alertMessageId(destination.id, alert.hash),
              alert,
            });
        }
      }
      outcome.queued = await options.outbox.enqueue(entries);
      outcome.duplicates = entries.length - outcome.queued;
      const counter = options.metrics?.enqueuedTotal;
      counter?.inc({ outcome: "queued" }, outcome.queued);
      counter?.inc({ outcome: "duplicate" }, outcome.duplicates);
      counter?.inc({ outcome: "filtered" }, outcome.filtered);
      counter?.inc({ outcome: "muted" }, outcome.muted);
      if (outcome.duplicates > 0)
        options.logger.debug(
          { duplicates: outcome.duplicates },
          "alerts already queued (redelivered anomalies)",
        );
      return outcome;
    },
  };
}
