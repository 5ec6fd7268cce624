import { type CacheEnv, createRedisStore, isRedisEnabled, type RedisStore } from "@chainwatch/cache";
import { envBoolean, envFragment, type Logger } from "@chainwatch/service-kit";
import { z } from "zod";
import type { AddressState } from "./address-state.ts";
import { type ContextScorer, createContextScorer } from "./context-scorer.ts";
import { createMemoryStateStore } from "./memory-state-store.ts";
import { createRedisStateStore } from "./redis-state-store.ts";
import type { AddressStateStore } from "./state-store.ts";
import { DEFAULT_RISK_THRESHOLD } from "./verdict.ts";

const positive = z.coerce.number().positive();

/** Address context and the combined verdict; the store follows the cache (Redis when REDIS_URL is set). */
export const contextEnvFragment = envFragment(
  "Address context (per-address state; Redis when the cache uses Redis, else in-process)",
  {
    CONTEXT_ENABLED: envBoolean
      .default(true)
      .describe("Keep per-address state and score transactions in context; false → the model alone."),
    RISK_THRESHOLD: z.coerce
      .number()
      .gt(0)
      .max(1)
      .default(DEFAULT_RISK_THRESHOLD)
      .describe(
        "riskScore at or above which a transaction is an anomaly. 0.5 ≈ evidence of one in 400 under normal behaviour (docs/model.md).",
      ),
    ADDRESS_STATE_TTL_DAYS: positive
      .default(30)
      .describe(
        "An address (and a sender→recipient pair) is forgotten this long after its last transaction.",
      ),
    ADDRESS_STATE_HASH_TTL_HOURS: positive
      .default(48)
      .describe(
        "A transaction hash is remembered this long, so its redelivery never updates the state twice.",
      ),
    ADDRESS_STATE_MAX_ADDRESSES: z.coerce
      .number()
      .int()
      .positive()
      .default(1_000_000)
      .describe(
        'In-process store only: addresses kept (least recently active evicted, counted), with twice as many sender->recipient pairs, as many transaction hashes and as many incident episode members. Full, that is ~360 MiB of heap with 5,000 busy addresses and ~1.1 GiB with 1,000,000 (docs/operations.md, "Scoring worker memory"): a worker without Redis in a 768 MiB pod wants 100000.',
      ),
  },
);

/** Screening lists (deny, allow, watch) held in memory by every replica that scores. */
export const screeningEnvFragment = envFragment("Screening lists (docs/screening.md)", {
  SCREENING_ENABLED: envBoolean
    .default(true)
    .describe("Apply the address labels: a deny label flags (at least high), an allow label mutes reasons."),
  SCREENING_REFRESH_INTERVAL_SECONDS: z.coerce
    .number()
    .positive()
    .default(5)
    .describe(
      "How often the labels' revision is polled; a change reaches every replica within this + one load.",
    ),
});

export interface ScreeningEnv {
  SCREENING_ENABLED: boolean;
  SCREENING_REFRESH_INTERVAL_SECONDS: number;
}

export interface ContextEnv {
  CONTEXT_ENABLED: boolean;
  RISK_THRESHOLD: number;
  ADDRESS_STATE_TTL_DAYS: number;
  ADDRESS_STATE_HASH_TTL_HOURS: number;
  ADDRESS_STATE_MAX_ADDRESSES: number;
}

/**
 * The address-state store the settings ask for: undefined when context is off. With Redis it opens its own
 * connection, with a longer command bound than the cache's (a batch's script does real work) — `close` it.
 */
export function createAddressStateFromEnv(
  env: ContextEnv & Pick<CacheEnv, "REDIS_URL" | "REDIS_ENABLED" | "REDIS_KEY_PREFIX">,
  options: { connectionName: string; onEvict?: () => void },
): { store: AddressStateStore; redis: RedisStore | undefined } | undefined {
  if (!env.CONTEXT_ENABLED) return undefined;
  if (isRedisEnabled(env)) {
    const redis = createRedisStore({
      url: env.REDIS_URL ?? "redis://127.0.0.1:6379",
      commandTimeoutMs: 2_000,
      connectionName: options.connectionName,
    });
    const store = createRedisStateStore({
      redis,
      keyPrefix: env.REDIS_KEY_PREFIX,
      ttlSeconds: env.ADDRESS_STATE_TTL_DAYS * 86_400,
      hashTtlSeconds: env.ADDRESS_STATE_HASH_TTL_HOURS * 3_600,
    });
    return { store, redis };
  }
  const maxAddresses = env.ADDRESS_STATE_MAX_ADDRESSES;
  return {
    store: createMemoryStateStore({
      maxAddresses,
      maxPairs: maxAddresses * 2,
      maxAppliedHashes: maxAddresses,
      maxEpisodeMembers: maxAddresses,
      ...(options.onEvict ? { onEvict: options.onEvict } : {}),
    }),
    redis: undefined,
  };
}

export interface OpenedContext {
  /** undefined when CONTEXT_ENABLED=false: verdicts are the model's evidence alone. */
  scorer: ContextScorer | undefined;
  /** One address's state (the address screen); null when unknown or context is off. */
  peek(address: string): Promise<AddressState | null>;
  close(): Promise<void>;
}

/**
 * The context scorer every app builds from the same settings. A failing store is logged at most every 30 s
 * (the verdicts of those batches say `context_unavailable`); scoring never waits on it.
 */
export function openContextFromEnv(
  env: ContextEnv & Pick<CacheEnv, "REDIS_URL" | "REDIS_ENABLED" | "REDIS_KEY_PREFIX">,
  options: { connectionName: string; logger: Logger; onEvict?: () => void },
): OpenedContext {
  const opened = createAddressStateFromEnv(env, options);
  if (!opened) return { scorer: undefined, peek: async () => null, close: async () => {} };
  let lastWarning = 0;
  const scorer = createContextScorer({
    store: opened.store,
    onUnavailable: (error) => {
      if (Date.now() - lastWarning < 30_000) return;
      lastWarning = Date.now();
      options.logger.warn({ err: error }, "address state unavailable; scoring without context");
    },
  });
  return {
    scorer,
    peek: (address) => opened.store.peek(address),
    close: async () => {
      await opened.redis?.close();
    },
  };
}
