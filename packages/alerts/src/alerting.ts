import type { AlertMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import type { Database } from "@chainwatch/store";
import type { z } from "zod";
import { createDestinationRepository, type DestinationRepository } from "./destinations.ts";
import { createDispatcher, type Dispatcher } from "./dispatcher.ts";
import {
  type alertDeliveryEnvFragment,
  type alertTargetEnvFragment,
  dispatcherConfigFromEnv,
  splitKeys,
} from "./env.ts";
import { createHttpPoster, type HttpPoster } from "./http-post.ts";
import { createOutbox, type Outbox } from "./outbox.ts";
import { type AlertRouter, createAlertRouter } from "./router.ts";
import { createSecretBox, type SecretBox } from "./secret-box.ts";
import { createSender, type Sender } from "./sender.ts";
import { createTargetGuard, parseAllowedTargets, type TargetGuard } from "./target-guard.ts";

export type AlertTargetEnv = z.infer<z.ZodObject<typeof alertTargetEnvFragment.shape>>;
export type AlertDeliveryEnv = z.infer<z.ZodObject<typeof alertDeliveryEnvFragment.shape>>;

/** Everything alert delivery needs, built once per process from the env over one database. */
export interface Alerting {
  destinations: DestinationRepository;
  outbox: Outbox;
  secrets: SecretBox;
  guard: TargetGuard;
  sender: Sender;
  router: AlertRouter;
  dispatcher: Dispatcher;
  linkBaseUrl: string;
  /** Closes the HTTP agents (after the dispatcher stopped). */
  close(): void;
}

export function createAlerting(options: {
  database: Database;
  env: AlertTargetEnv & AlertDeliveryEnv;
  logger: Logger;
  metrics?: AlertMetrics;
}): Alerting {
  const { database, env, logger, metrics } = options;
  const destinations = createDestinationRepository(database);
  const outbox = createOutbox(database);
  const secrets = createSecretBox({
    key: env.ALERT_SECRET_KEY,
    previousKeys: splitKeys(env.ALERT_SECRET_KEY_PREVIOUS),
  });
  const guard = createTargetGuard({
    allowPrivate: env.ALERT_ALLOW_PRIVATE_TARGETS,
    allowedHosts: parseAllowedTargets(env.ALERT_ALLOWED_TARGETS),
  });
  const poster: HttpPoster = createHttpPoster({ guard });
  const sender = createSender({ poster, secrets, logger, timeoutMs: env.ALERT_REQUEST_TIMEOUT_MS });
  const config = dispatcherConfigFromEnv(env);
  const router = createAlertRouter({
    destinations,
    outbox,
    refreshMs: config.destinationsRefreshMs,
    logger,
    ...(metrics ? { metrics } : {}),
  });
  const dispatcher = createDispatcher({
    outbox,
    destinations,
    sender,
    logger,
    config,
    ...(metrics ? { metrics } : {}),
  });
  return {
    destinations,
    outbox,
    secrets,
    guard,
    sender,
    router,
    dispatcher,
    linkBaseUrl: env.ALERT_LINK_BASE_URL,
    close: () => poster.close(),
  };
}
