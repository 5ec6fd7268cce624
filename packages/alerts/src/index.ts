export {
  ALERT_LEVELS,
  type Alert,
  type AlertLevel,
  AlertLevelSchema,
  AlertSchema,
  alertFromAnomaly,
  alertMessageId,
  DEFAULT_CHAIN_ID,
  levelRank,
  transactionLink,
} from "./alert.ts";
export { type AlertDeliveryEnv, type Alerting, type AlertTargetEnv, createAlerting } from "./alerting.ts";
export { type BackoffOptions, retryDelayMs } from "./backoff.ts";
export { type BreakerState, type CircuitBreaker, createCircuitBreaker } from "./breaker.ts";
export { displayedWebhookUrl } from "./destination-url.ts";
export {
  createDestinationRepository,
  DESTINATION_KINDS,
  type DeliveryDestination,
  type Destination,
  type DestinationKind,
  type DestinationPatch,
  type DestinationRepository,
  type NewDestination,
} from "./destinations.ts";
export { createDispatcher, type Dispatcher, type DispatcherConfig } from "./dispatcher.ts";
export { alertDeliveryEnvFragment, alertTargetEnvFragment, dispatcherConfigFromEnv } from "./env.ts";
export { createHttpPoster, type HttpPoster, type PostResult } from "./http-post.ts";
export {
  type ClaimedDelivery,
  createOutbox,
  type DeadDelivery,
  type DeliveryAttempt,
  type DeliveryRow,
  type Outbox,
  type OutboxEntry,
  type OutboxStats,
} from "./outbox.ts";
export {
  decide,
  type Mute,
  MuteSchema,
  type Policy,
  type PolicyDecision,
  type PolicyInput,
  PolicySchema,
  type RateCap,
  RateCapSchema,
} from "./policy.ts";
export { ALERT_EVENT_TYPE, DIGEST_EVENT_TYPE, TEST_EVENT_TYPE } from "./render.ts";
export { type AlertRouter, createAlertRouter, type RouteOutcome } from "./router.ts";
export { createSecretBox, parseSecretKey, type SecretBox, SecretKeyError } from "./secret-box.ts";
export { createSender, type Sender } from "./sender.ts";
export { generateSigningSecret, hasValidSignature, type SignedHeaders, signWebhook } from "./signing.ts";
export {
  createTargetGuard,
  isNonPublicAddress,
  parseAllowedTargets,
  type TargetGuard,
  TargetRefusedError,
} from "./target-guard.ts";
