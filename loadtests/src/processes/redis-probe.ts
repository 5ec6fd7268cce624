import { Redis } from "ioredis";

/** The Redis a variant uses: its server CPU (INFO cpu) and the deletion of the variant's keys. */
export async function openRedisProbe(url: string) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  return {
    async cpuSeconds() {
      const info = await redis.info("cpu");
      const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? 0);
      return field("used_cpu_user") + field("used_cpu_sys");
    },
    async deletePrefix(prefix: string) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 5_000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
    },
    close: async () => {
      await redis.quit();
    },
  };
}
