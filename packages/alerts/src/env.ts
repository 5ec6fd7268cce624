import { envBoolean, envFragment } from "@chainwatch/service-kit";
import { z } from "zod";
import type { DispatcherConfig } from "./dispatcher.ts";
import { parseSecretKey } from "./secret-box.ts";

const ms = z.coerce.number().int().positive();

/** ALERT_SECRET_KEY_PREVIOUS as a list: comma-separated, blanks ignored. */
export function splitKeys(text: string): string[] {
  return text
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}

function isSecretKey(text: string): boolean {
  try {
    parseSecretKey(text);
    return true;
  } catch {
    return false;
  }
}

/** Destinations, secrets and targets: read by the gateway (API) and every process that delivers. */
export const alertTargetEnvFragment = envFragment(
  "Alerts: destinations, signing secrets and the SSRF guard",
  {
    ALERT_SECRET_KEY: z
      .string()
      .optional()
      // Empty counts as unset, so compose's ${VAR:-} works; anything else must be a usable key, named here
      // at start (exit 78) instead of failing on the first webhook.
      .refine((value) => value === undefined || value === "" || isSecretKey(value), {
        message: "must be 32 bytes as base64 (openssl rand -base64 32) or 64 hex digits",
      })
      .describe(
        '32 bytes (base64, or 64 hex digits) that encrypt webhook signing secrets at rest (AES-256-GCM). Unset: webhook destinations cannot be created or delivered. Generate: openssl rand -base64 32. Rotation: docs/operations.md "Alert secret key rotation".',
      ),
    ALERT_SECRET_KEY_PREVIOUS: z
      .string()
      .default("")
      .refine((value) => splitKeys(value).every(isSecretKey), {
        message: "each key must be 32 bytes as base64 or 64 hex digits",
      })
      .describe(
        "Comma-separated older keys, still accepted for reading while a rotation is under way; secrets sealed with them are sealed again with ALERT_SECRET_KEY at start.",
      ),
    ALERT_ALLOW_PRIVATE_TARGETS: envBoolean
      .default(false)
      .describe(
        "Allow destination URLs that resolve to private, loopback or link-local addresses. Local development and tests only: it lets API users make the dispatcher reach internal services.",
      ),
    ALERT_ALLOWED_TARGETS: z
      .string()
      .default("")
      .describe(
        "Comma-separated host names and CIDRs allowed even though private (an in-cluster receiver), e.g. alerts.internal,10.20.0.0/16.",
      ),
    ALERT_LINK_BASE_URL: z
      .url()
      .default("http://localhost:8080")
      .describe(
        "Base of the link in each alert (the gateway's public URL); the transaction lookup path is appended.",
      ),
  },
);

/** How deliveries are made: every process that runs a dispatcher (alert-dispatcher, embedded gateway). */
export const alertDeliveryEnvFragment = envFragment("Alerts: delivery, retries and digests", {
  ALERT_REQUEST_TIMEOUT_MS: ms
    .default(5_000)
    .describe("Bound on one delivery request (connect to last byte)."),
  ALERT_MAX_AGE_HOURS: z.coerce
    .number()
    .positive()
    .max(720)
    .default(24)
    .describe(
      "A delivery still failing this long after it was queued is dead-lettered (API: redeliver by hand).",
    ),
  ALERT_RETRY_INITIAL_DELAY_MS: ms
    .default(1_000)
    .describe("First retry wait; doubles per attempt, equal jitter."),
  ALERT_RETRY_MAX_DELAY_MS: ms.default(300_000).describe("Retry wait ceiling."),
  ALERT_BREAKER_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5)
    .describe("Consecutive failures that open a destination's circuit breaker."),
  ALERT_BREAKER_OPEN_MS: ms
    .default(30_000)
    .describe("How long an open breaker holds a destination's deliveries before one trial request."),
  ALERT_LEASE_MS: ms
    .default(120_000)
    .describe(
      "How long a claimed delivery belongs to one dispatcher; a killed dispatcher's deliveries are taken over after it. Longer than a queued delivery's wait (16 requests per concurrency slot × ALERT_REQUEST_TIMEOUT_MS).",
    ),
  ALERT_POLL_INTERVAL_MS: ms
    .default(500)
    .describe("Idle wait between outbox claims; alerts queued by the same process are claimed at once."),
  ALERT_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(100)
    .describe("Deliveries claimed per query."),
  ALERT_MAX_IN_FLIGHT: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(256)
    .describe("Deliveries claimed and unfinished per dispatcher, all destinations together."),
  ALERT_DESTINATIONS_REFRESH_MS: ms
    .default(5_000)
    .describe("How often destinations and policies are re-read: a change through the API applies within it."),
  ALERT_DIGEST_MAX_ALERTS: z.coerce
    .number()
    .int()
    .min(2)
    .max(10_000)
    .default(1_000)
    .describe("Alerts one digest summarises at most; more wait for the next rate window."),
  ALERT_DELIVERED_RETENTION_HOURS: z.coerce
    .number()
    .positive()
    .default(168)
    .describe("Delivered outbox rows (and their attempts) are deleted after this long."),
});

type DeliveryEnv = z.infer<z.ZodObject<typeof alertDeliveryEnvFragment.shape>>;

export function dispatcherConfigFromEnv(env: DeliveryEnv): DispatcherConfig {
  return {
    batchSize: env.ALERT_BATCH_SIZE,
    leaseMs: env.ALERT_LEASE_MS,
    pollIntervalMs: env.ALERT_POLL_INTERVAL_MS,
    maxAgeMs: env.ALERT_MAX_AGE_HOURS * 3_600_000,
    backoff: { initialDelayMs: env.ALERT_RETRY_INITIAL_DELAY_MS, maxDelayMs: env.ALERT_RETRY_MAX_DELAY_MS },
    breaker: { failureThreshold: env.ALERT_BREAKER_FAILURES, openMs: env.ALERT_BREAKER_OPEN_MS },
    maxInFlight: env.ALERT_MAX_IN_FLIGHT,
    destinationsRefreshMs: env.ALERT_DESTINATIONS_REFRESH_MS,
    digestMaxAlerts: env.ALERT_DIGEST_MAX_ALERTS,
    statsIntervalMs: 5_000,
    deliveredRetentionMs: env.ALERT_DELIVERED_RETENTION_HOURS * 3_600_000,
  };
}
