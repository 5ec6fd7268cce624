import { createHash, randomUUID } from "node:crypto";
import type { Cache } from "@chainwatch/cache";

const GENERATION_ID = "anomalies:generation";

/**
 * Caches anomaly query pages under the `query` type. Every page key includes a generation token; when new
 * anomalies are stored the token is replaced, so every replica stops reading the old pages at once
 * (they expire on their own within the query TTL).
 */
export function createAnomalyQueryCache(cache: Cache) {
  async function generation(): Promise<string> {
    const current = await cache.get<string>("query", GENERATION_ID);
    if (current) return current;
    const fresh = randomUUID();
    await cache.set("query", GENERATION_ID, fresh);
    return fresh;
  }

  const pageId = (token: string, params: unknown) =>
    `anomalies:${token}:${createHash("sha256").update(JSON.stringify(params)).digest("base64url").slice(0, 32)}`;

  return {
    /** Returns the cached page or computes, caches and returns it. */
    async getOrLoad<T>(params: unknown, load: () => Promise<T>): Promise<{ value: T; isCached: boolean }> {
      const token = await generation();
      const id = pageId(token, params);
      const cached = await cache.get<T>("query", id);
      if (cached !== undefined) return { value: cached, isCached: true };
      const value = await load();
      void cache.set("query", id, value);
      return { value, isCached: false };
    },
    /** Called after new anomalies (or reviews) are durably stored. */
    async invalidate(): Promise<void> {
      await cache.set("query", GENERATION_ID, randomUUID());
    },
  };
}

export type AnomalyQueryCache = ReturnType<typeof createAnomalyQueryCache>;
