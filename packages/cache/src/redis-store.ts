import { Redis } from "ioredis";
import type { CacheStore } from "./store.ts";

export interface RedisStoreOptions {
  url: string;
  /**
   * Per-command bound in ms. A request waits at most this long on Redis before treating it as a miss;
   * 250 ms keeps a hung Redis from dominating a p99 that is otherwise a few milliseconds.
   */
  commandTimeoutMs?: number;
  /** Upper bound on the reconnect back-off in ms. */
  maxReconnectDelayMs?: number;
  connectionName?: string;
}

export interface RedisStore extends CacheStore {
  /** The raw client, for the few places (rate limiting) whose library needs it. */
  readonly client: Redis;
  /**
   * Resolves true once connected, false after `timeoutMs`. Commands fail fast until then (no offline
   * queue), so start-up waits here briefly and otherwise starts degraded.
   */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2_000;
  const client = new Redis(options.url, {
    lazyConnect: false,
    connectionName: options.connectionName ?? "chainwatch",
    // Commands issued in the same event-loop turn leave in one socket write. Under load a predict answered
    // from the cache issues three (rate limit, address context, cache read), and each write cost ~25 µs of
    // kernel time on loopback: 40 % of the gateway's CPU before this (docs/benchmarks.md, issue #21).
    enableAutoPipelining: true,
    // Fail fast instead of queueing commands while disconnected: a down Redis must read as a miss now,
    // not as a request that hangs until the connection returns.
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? 250,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    // Keep reconnecting forever with capped back-off so recovery is automatic.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxReconnectDelayMs),
  });
  // Errors surface as rejected commands; without a listener ioredis would also log each one.
  client.on("error", () => {});

  return {
    kind: "redis",
    client,
    get: (key) => client.get(key),
    mget: async (keys) => (keys.length === 0 ? [] : client.mget(...keys)),
    mset: async (entries) => {
      if (entries.length === 0) return;
      const pipeline = client.pipeline();
      for (const { key, value, ttlSeconds } of entries) pipeline.set(key, value, "EX", ttlSeconds);
      const results = await pipeline.exec();
      const failure = results?.find(([error]) => error);
      if (failure?.[0]) throw failure[0];
    },
    del: async (keys) => (keys.length === 0 ? 0 : client.del(...keys)),
    ping: async () => {
      if (client.status !== "ready") return false;
      try {
        return (await client.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    sizeBytes: () => 0,
    waitUntilReady: (timeoutMs) =>
      new Promise((resolve) => {
        if (client.status === "ready") {
          resolve(true);
          return;
        }
        const onReady = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          client.off("ready", onReady);
          resolve(false);
        }, timeoutMs);
        client.once("ready", onReady);
      }),
    close: async () => {
      if (client.status === "end") return;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
