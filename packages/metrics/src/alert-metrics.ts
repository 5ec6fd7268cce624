import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type AlertMetrics = ReturnType<typeof createAlertMetrics>;

/**
 * Alert delivery (@chainwatch/alerts). `destination` is a destination id: bounded by the destinations an
 * admin configured (tens), never by traffic.
 */
export function createAlertMetrics(registry: Registry) {
  return {
    enqueuedTotal: new Counter({
      name: "alert_enqueued_total",
      help: "Alerts routed to a destination: queued (new outbox row), duplicate (already queued), filtered (policy), muted",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    deliveriesTotal: new Counter({
      name: "alert_deliveries_total",
      help: "Delivery attempts by destination and outcome: delivered, failed (will retry), dead (past the maximum age)",
      labelNames: ["destination", "outcome"] as const,
      registers: [registry],
    }),
    digestsTotal: new Counter({
      name: "alert_digests_total",
      help: "Digest messages sent because a destination's rate cap was reached",
      labelNames: ["destination"] as const,
      registers: [registry],
    }),
    scoredToDeliveredSeconds: new Histogram({
      name: "alert_scored_to_delivered_seconds",
      help: "From the anomaly's scoredAt to the receiver's 2xx",
      labelNames: ["kind"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: "alert_request_duration_seconds",
      help: "One HTTP delivery request, any outcome",
      labelNames: ["kind"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: "alert_outbox_depth",
      help: "Outbox rows by status: pending (waiting or retrying) and dead (past the maximum age)",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    oldestPendingSeconds: new Gauge({
      name: "alert_outbox_oldest_pending_seconds",
      help: "Age (since scoring) of the oldest pending delivery; 0 when none",
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: "alert_breaker_state",
      help: "Circuit breaker per destination: 0 closed, 1 half-open, 2 open",
      labelNames: ["destination"] as const,
      registers: [registry],
    }),
  };
}
