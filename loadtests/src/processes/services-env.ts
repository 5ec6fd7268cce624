import { randomBytes } from "node:crypto";
import { createScratchSchema } from "./database.ts";
import { openRedisProbe } from "./redis-probe.ts";

/**
 * Runs `work` with the settings of a gateway on Redis and a scratch PostgreSQL schema, with a Redis key
 * prefix of its own (the address context of one run must not be the next one's history); both are
 * removed afterwards.
 */
export async function withServicesEnv<T>(
  servers: { databaseUrl: string; redisUrl: string },
  work: (gatewayEnv: Record<string, string>) => Promise<T>,
): Promise<T> {
  const scratch = await createScratchSchema(servers.databaseUrl);
  const keyPrefix = `bench-${randomBytes(4).toString("hex")}`;
  try {
    return await work({
      REDIS_URL: servers.redisUrl,
      REDIS_KEY_PREFIX: keyPrefix,
      DATABASE_URL: scratch.databaseUrl,
    });
  } finally {
    await scratch.drop();
    const redis = await openRedisProbe(servers.redisUrl);
    await redis.deletePrefix(keyPrefix).finally(() => redis.close());
  }
}
