import { createRedisStore, type RedisStore } from "@chainwatch/cache";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStateStore } from "./memory-state-store.ts";
import { addressStatePrefix, createRedisStateStore } from "./redis-state-store.ts";
import { observeSnapshots } from "./testing/observe-snapshots.ts";
import { describeStateStoreContract } from "./testing/state-store-contract.ts";

await describeWithServices("redis address state (real Redis)", ["redis"], () => {
  let redis: RedisStore;
  beforeAll(async () => {
    redis = createRedisStore({
      url: serviceUrls.redisUrl,
      commandTimeoutMs: 5_000,
      connectionName: "ctx-test",
    });
    expect(await redis.waitUntilReady(5_000)).toBe(true);
  });
  afterAll(async () => {
    await redis.close();
  });
  const fresh = async () =>
    createRedisStateStore({ redis, keyPrefix: uniqueName("ctxtest"), ttlSeconds: 600, hashTtlSeconds: 600 });

  describeStateStoreContract("redis", fresh);

  it("touches no key for a viewless observation of an applied hash: no value, no lifetime", async () => {
    const keyPrefix = uniqueName("ctxtest");
    const store = createRedisStateStore({ redis, keyPrefix, ttlSeconds: 600, hashTtlSeconds: 600 });
    const hash = `0x${"7".repeat(64)}`;
    const observation = {
      hash,
      from: `0x${"a".repeat(40)}`,
      to: `0x${"b".repeat(40)}`,
      timestamp: 1_000,
      valueLog10Eth: 0,
      isCall: false,
    };
    await store.observe([observation]);
    const keys = (await redis.client.keys(`${addressStatePrefix(keyPrefix)}*`)).sort();
    // Lifetimes cut short by hand: any key the script wrote again would get its full 600 s back.
    for (const key of keys) if (!key.endsWith(":g")) await redis.client.expire(key, 100);
    const contents = async () =>
      Promise.all(
        keys.map(async (key) => [
          key,
          (await redis.client.type(key)) === "list"
            ? await redis.client.lrange(key, 0, -1)
            : await redis.client.get(key),
        ]),
      );
    const before = await contents();
    expect(await store.observe([{ ...observation, viewNeeded: false }])).toEqual([
      { applied: false, viewless: true },
    ]);
    expect(await contents()).toEqual(before);
    expect((await redis.client.keys(`${addressStatePrefix(keyPrefix)}*`)).sort()).toEqual(keys);
    for (const key of keys) {
      if (key.endsWith(":g")) expect(await redis.client.ttl(key)).toBe(-1);
      else expect(await redis.client.ttl(key)).toBeLessThanOrEqual(100);
    }
    // a: ×2, p:, h:, e:s:, e:r:, g
    expect(keys.length).toBe(7);
  });

  describe("against the in-process store", () => {
    it("gives the same snapshots for the same stream, in one round trip per batch", async () => {
      const redisStore = await fresh();
      const memoryStore = createMemoryStateStore();
      const addresses = Array.from({ length: 12 }, (_, i) => `0x${i.toString(16).padStart(40, "0")}`);
      let seed = 7;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed / 2_147_483_648;
      };
      const stream = Array.from({ length: 400 }, (_, i) => ({
        hash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
        from: addresses[Math.floor(random() * 12)] ?? null,
        to: random() < 0.05 ? null : (addresses[Math.floor(random() * 12)] ?? null),
        timestamp: 1_700_000_000 + i * 37,
        valueLog10Eth: random() < 0.2 ? null : random() * 6 - 3,
        isCall: random() < 0.3,
      }));
      for (let start = 0; start < stream.length; start += 100) {
        const batch = stream.slice(start, start + 100);
        const [fromRedis, fromMemory] = await Promise.all([
          observeSnapshots(redisStore, batch),
          observeSnapshots(memoryStore, batch),
        ]);
        fromMemory.forEach((expected, index) => {
          const actual = fromRedis[index];
          expect(actual?.applied).toBe(expected.applied);
          expect(actual?.pairSeen).toBe(expected.pairSeen);
          for (const role of ["sender", "recipient"] as const) {
            const want = expected[role];
            const got = actual?.[role];
            if (want === null) expect(got).toBeNull();
            else
              for (const [field, value] of Object.entries(want))
                expect(got?.[field as keyof typeof want]).toBeCloseTo(value, 9);
          }
          expect(actual?.global.newSenderMean).toBeCloseTo(expected.global.newSenderMean, 9);
          expect(actual?.global.withinVar).toBeCloseTo(expected.global.withinVar, 9);
          expect(actual?.global.unusualShare).toBeCloseTo(expected.global.unusualShare, 9);
        });
      }
      expect(redisStore.roundTrips()).toBe(4);
    });
  });
});
