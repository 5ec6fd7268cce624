import { createHash } from "node:crypto";
import type { RedisStore } from "./redis-store.ts";

/**
 * A Lua script run atomically on the shared Redis: the narrow door other packages get instead of the
 * ioredis client. EVALSHA first (the script body is sent once per Redis restart), EVAL when Redis answers
 * NOSCRIPT. Keys are built inside scripts from a prefix argument, so scripts need a single Redis (or
 * Sentinel), not Cluster.
 */
export interface RedisScript {
  run(keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

export function createRedisScript(store: Pick<RedisStore, "client">, lua: string): RedisScript {
  const sha = createHash("sha1").update(lua).digest("hex");
  return {
    async run(keys, args) {
      try {
        return await store.client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return store.client.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}
