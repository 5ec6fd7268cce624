import { createAlertMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import { createLogger } from "@chainwatch/service-kit";
import type { Database } from "@chainwatch/store";
import { createDestinationRepository } from "../src/destinations.ts";
import { createDispatcher, type DispatcherConfig } from "../src/dispatcher.ts";
import { createHttpPoster } from "../src/http-post.ts";
import { createOutbox } from "../src/outbox.ts";
import { createSecretBox } from "../src/secret-box.ts";
import { createSender } from "../src/sender.ts";
import { createTargetGuard } from "../src/target-guard.ts";

export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");

/** Short settings so retries, breakers and windows play out in seconds. */
export const FAST_CONFIG: DispatcherConfig = {
  batchSize: 200,
  leaseMs: 30_000,
  pollIntervalMs: 50,
  maxAgeMs: 86_400_000,
  backoff: { initialDelayMs: 200, maxDelayMs: 2_000 },
  breaker: { failureThreshold: 3, openMs: 1_000 },
  maxInFlight: 500,
  destinationsRefreshMs: 200,
  digestMaxAlerts: 5_000,
  statsIntervalMs: 500,
  deliveredRetentionMs: 86_400_000,
};

export function dispatcherFor(
  database: Database,
  options: { config?: Partial<DispatcherConfig>; allowPrivate?: boolean; owner?: string } = {},
) {
  const registry = createMetricsRegistry();
  const metrics = createAlertMetrics(registry);
  const guard = createTargetGuard({ allowPrivate: options.allowPrivate ?? true, allowedHosts: [] });
  const poster = createHttpPoster({ guard });
  const logger = createLogger({ name: "alerts-test", level: "silent" });
  const dispatcher = createDispatcher({
    outbox: createOutbox(database),
    destinations: createDestinationRepository(database),
    sender: createSender({
      poster,
      secrets: createSecretBox({ key: TEST_SECRET_KEY }),
      logger,
      timeoutMs: 2_000,
    }),
    logger,
    config: { ...FAST_CONFIG, ...options.config },
    metrics,
    ...(options.owner ? { owner: options.owner } : {}),
  });
  return {
    dispatcher,
    registry,
    stop: async () => {
      await dispatcher.stop();
      poster.close();
    },
  };
}
