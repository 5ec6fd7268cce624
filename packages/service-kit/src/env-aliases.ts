import type { EnvSource } from "./env.ts";

/**
 * Names other deployments (and the system Chainwatch's API was modelled on) use for the same settings.
 * Without this they were ignored without a word: a KAFKA_BOOTSTRAP_SERVERS meant embedded mode.
 */
const RENAMED: Readonly<Record<string, string>> = {
  KAFKA_BOOTSTRAP_SERVERS: "KAFKA_BROKERS",
  KAFKA_CONSUMER_GROUP: "KAFKA_GROUP_ID",
  KAFKA_INPUT_TOPIC: "KAFKA_TOPIC_TRANSACTIONS",
  KAFKA_TOPIC: "KAFKA_TOPIC_TRANSACTIONS",
  DB_URL: "DATABASE_URL",
  POSTGRES_URL: "DATABASE_URL",
  CACHE_TTL: "CACHE_TTL_PREDICTION_SECONDS",
  CACHE_TTL_SECONDS: "CACHE_TTL_PREDICTION_SECONDS",
  RATE_LIMIT_PER_MINUTE: "RATE_LIMIT_RPM",
  API_PORT: "PORT",
};

/** Names with no counterpart: they are reported, so nobody believes they took effect. */
const RETIRED: Readonly<Record<string, string>> = {
  MODEL_CACHE_ENABLED: "the model cache is always on; CACHE_TTL_MODEL_SECONDS sets how long entries live",
  CACHE_ENABLED: "the cache is always on; REDIS_URL chooses Redis over the in-process cache",
  REDIS_DB: "put the database number in REDIS_URL (redis://host:6379/2)",
  REDIS_PASSWORD: "put the password in REDIS_URL (redis://:password@host:6379)",
};

export interface ResolvedEnvSource {
  source: EnvSource;
  /** One sentence per alias used or ignored, for main.ts to log once its logger exists. */
  notes: string[];
}

/**
 * Maps known aliases onto the names `keys` (the app's schema keys) uses. A canonical name that is set wins
 * over its alias. REDIS_HOST/REDIS_PORT become REDIS_URL.
 */
export function resolveEnvAliases(source: EnvSource, keys: ReadonlySet<string>): ResolvedEnvSource {
  const resolved: EnvSource = { ...source };
  const notes: string[] = [];
  const isSet = (name: string) => source[name] !== undefined && source[name] !== "";
  for (const [alias, canonical] of Object.entries(RENAMED)) {
    if (!isSet(alias) || !keys.has(canonical)) continue;
    if (isSet(canonical)) notes.push(`${alias} is ignored: ${canonical} is set too`);
    else {
      resolved[canonical] = source[alias];
      notes.push(`${alias} is read as ${canonical}; rename it`);
    }
  }
  if (keys.has("REDIS_URL") && !isSet("REDIS_URL") && isSet("REDIS_HOST")) {
    resolved.REDIS_URL = `redis://${source.REDIS_HOST}:${source.REDIS_PORT || "6379"}`;
    notes.push("REDIS_HOST/REDIS_PORT are read as REDIS_URL; set REDIS_URL instead");
  }
  for (const [name, why] of Object.entries(RETIRED)) {
    if (isSet(name)) notes.push(`${name} has no effect: ${why}`);
  }
  return { source: resolved, notes };
}
