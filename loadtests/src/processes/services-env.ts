import { randomBytes } from "node:crypto";
import { createScratchSchema } from "./database.ts";
import { openRedisProbe } from "./redis-probe.ts";

/**
 * A Redis key prefix of one run's own (the address context of one run must not be another's history) and
 * the removal of every key under it.
 */
export function redisKeyScope(redisUrl: string, label: string) {
  const keyPrefix = `${label}-${randomBytes(4).toString("hex")}`;
  return {
    keyPrefix,
    async remove() {
      const redis = await openRedisProbe(redisUrl);
      await redis.deletePrefix(keyPrefix).finally(() => redis.close());
    },
  };
}

/**
 * Runs `work` with the settings of a gateway on Redis and a scratch PostgreSQL schema, with a Redis key
 * prefix of its own; both are removed afterwards.
 */
export async function withServicesEnv<T>(
  servers: { databaseUrl: string; redisUrl: string },
  work: (gatewayEnv: Record<string, string>) => Promise<T>,
): Promise<T> {
  const scratch = await createScratchSchema(servers.databaseUrl);
  const keys = redisKeyScope(servers.redisUrl, "bench");
  try {
    return await work({
      REDIS_URL: servers.redisUrl,
      REDIS_KEY_PREFIX: keys.keyPrefix,
      DATABASE_URL: scratch.databaseUrl,
    });
  } finally {
    await scratch.drop();
    await keys.remove();
  }
}
