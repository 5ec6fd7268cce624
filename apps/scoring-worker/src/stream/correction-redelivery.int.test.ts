import { randomBytes } from "node:crypto";
import type { RedisStore } from "@chainwatch/cache";
import { decodeMessage, type Publisher, ScoreMessageSchema } from "@chainwatch/kafka";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  cleanupScope,
  deleteRedisPrefix,
  type KafkaHarness,
  kafkaHarness,
  offsetTotals,
  openScopeDatabase,
  openTestRedis,
  quietSenderBurst,
  type StreamScope,
  silentLogger,
  streamScope,
  transactionMessage,
  waitUntil,
} from "../testing/stream-fixtures.ts";
import { createScoringWorker, type ScoringWorker } from "../worker.ts";

const randomAddress = () => `0x${randomBytes(20).toString("hex")}`;
const START_SECONDS = 1_735_689_600;

/** A publisher that refuses every publish carrying a correction while `refusing` is set. */
function refusingCorrections(publisher: Pick<Publisher, "publish">) {
  const control = { refusing: true, refused: 0 };
  const wrapped: Pick<Publisher, "publish"> = {
    async publish(batches) {
      const carriesCorrection = batches.some((batch) =>
        batch.messages.some((message) => {
          const text = typeof message.value === "string" ? message.value : "";
          return text.includes('"correction":');
        }),
      );
      if (control.refusing && carriesCorrection) {
        control.refused += 1;
        throw new Error("broker unreachable (injected)");
      }
      return publisher.publish(batches);
    },
  };
  return { control, wrapped };
}

await describeWithServices(
  "incident corrections survive a worker dying between the store and the publish (real Kafka, PostgreSQL, Redis)",
  ["kafka", "postgres", "redis"],
  () => {
    let harness: KafkaHarness;
    let redis: RedisStore;
    let scope: StreamScope;
    const prefix = uniqueName("cwcorr").replace(/[^A-Za-z0-9_-]/g, "_");
    const workers: ScoringWorker[] = [];

    beforeAll(async () => {
      harness = kafkaHarness();
      redis = await openTestRedis();
    });
    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      if (scope) await cleanupScope(scope, harness);
      await deleteRedisPrefix(redis, prefix);
      await redis.close();
      await harness.close();
    });

    it("publishes the corrections after a restart: the redelivered trigger finds them pending", async () => {
      scope = streamScope("cw_corr");
      await harness.createTopics(scope);
      // Shared address state (Redis), as in production: the restarted worker sees the trigger as applied.
      const env = scope.workerEnv({ REDIS_URL: serviceUrls.redisUrl, REDIS_KEY_PREFIX: prefix });
      const faulty = refusingCorrections;
      let control: { refusing: boolean; refused: number } | undefined;
      const first = createScoringWorker({
        env,
        logger: silentLogger,
        wrapPublisher: (publisher) => {
          const injected = faulty(publisher);
          control = injected.control;
          return injected.wrapped;
        },
      });
      workers.push(first);
      await first.start();

      // The burst of address-context.int.test.ts: the 8th payment opens an incident that names the 1st–4th,
      // stored by an earlier chunk.
      const { history, burst } = quietSenderBurst(randomAddress(), START_SECONDS);
      const early = [...history, ...burst.slice(0, 4)];
      const database = await openScopeDatabase(scope);
      try {
        const storedCount = async (hashes: string[]) => {
          const { rows } = await database.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM predictions WHERE tx_hash = ANY($1)",
            [hashes],
          );
          return rows[0]?.n ?? 0;
        };
        await harness.publish(scope.topics.transactions, early.map(transactionMessage));
        await waitUntil("the first seven stored", async () =>
          (await storedCount(early.map((tx) => tx.hash))) === early.length ? true : undefined,
        );
        await harness.publish(scope.topics.transactions, burst.slice(4).map(transactionMessage));
        // The corrections are stored (the 1st–4th now belong to the incident) and their publish refused.
        const incidentId = `inc_${burst[7]?.hash.slice(2, 18)}`;
        await waitUntil("the corrections stored and their publish refused", async () => {
          const { rows } = await database.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM predictions WHERE tx_hash = ANY($1) AND incident_id = $2",
            [burst.slice(0, 4).map((tx) => tx.hash), incidentId],
          );
          return rows[0]?.n === 4 && (control?.refused ?? 0) > 0 ? true : undefined;
        });
        const { rows: pending } = await database.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM incident_corrections_pending WHERE trigger_hash = $1",
          [burst[7]?.hash],
        );
        expect(pending[0]?.n).toBe(4);
        // The worker dies with the chunk unpublished and uncommitted.
        await first.stop();

        const second = createScoringWorker({ env, logger: silentLogger });
        workers.push(second);
        await second.start();
        const firstFour = new Set(burst.slice(0, 4).map((tx) => tx.hash));
        const correctionsIn = (read: { value: Buffer | null }[]) =>
          read
            .map((message) => decodeMessage(ScoreMessageSchema, message.value))
            .flatMap((decoded) => (decoded.ok && decoded.message.correction ? [decoded.message] : []))
            .filter((message) => firstFour.has(message.hash));
        const read = await harness.readTopic(
          scope.topics.scores,
          (messages) => correctionsIn(messages).length >= 4,
          45_000,
        );
        const published = correctionsIn(read);
        expect(published.map((message) => message.hash).sort()).toEqual([...firstFour].sort());
        for (const message of published) {
          expect(message.correction).toEqual({ incidentId, triggerHash: burst[7]?.hash });
          expect(message.isAnomaly).toBe(true);
          expect(message.reasons?.[0]?.code).toBe("part_of_incident");
        }
        await waitUntil("everything committed", async () => {
          const { committed, high } = await offsetTotals(
            harness.admin,
            scope.groupId,
            scope.topics.transactions,
          );
          return committed === high ? true : undefined;
        });
        // Published and acknowledged: nothing left pending.
        const { rows: left } = await database.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM incident_corrections_pending WHERE trigger_hash = $1",
          [burst[7]?.hash],
        );
        expect(left[0]?.n).toBe(0);
      } finally {
        await database.close();
      }
    }, 90_000);
  },
);
