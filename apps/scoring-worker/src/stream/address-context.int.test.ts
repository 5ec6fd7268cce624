import { randomBytes } from "node:crypto";
import type { RedisStore } from "@chainwatch/cache";
import { readAddressState } from "@chainwatch/context";
import {
  decodeMessage,
  type OutgoingMessage,
  type Publisher,
  partitionForKey,
  ScoreMessageSchema,
} from "@chainwatch/kafka";
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
  SCOPE_PARTITIONS,
  type StreamScope,
  silentLogger,
  storedCounts,
  streamScope,
  transactionMessage,
  waitUntil,
} from "../testing/stream-fixtures.ts";
import { createScoringWorker, type ScoringWorker } from "../worker.ts";

const randomAddress = () => `0x${randomBytes(20).toString("hex")}`;
const randomHash = () => `0x${randomBytes(32).toString("hex")}`;
const START_SECONDS = 1_735_689_600;

/** The correction messages among `read` for these hashes. */
const correctionsOf = (hashes: ReadonlySet<string>) => (read: { value: Buffer | null }[]) =>
  read
    .map((message) => decodeMessage(ScoreMessageSchema, message.value))
    .flatMap((decoded) => (decoded.ok && decoded.message.correction ? [decoded.message] : []))
    .filter((message) => hashes.has(message.hash));

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

/** Senders whose keys land on every partition, so both workers of the group have work. */
function sendersOnEveryPartition(): string[] {
  const byPartition = new Map<number, string>();
  while (byPartition.size < SCOPE_PARTITIONS) {
    const address = randomAddress();
    const partition = partitionForKey(address, SCOPE_PARTITIONS);
    if (!byPartition.has(partition)) byPartition.set(partition, address);
  }
  return [...byPartition.values()];
}

await describeWithServices(
  "address context on the real Kafka, PostgreSQL and Redis: two workers, incidents, a worker dying mid-publish",
  ["kafka", "postgres", "redis"],
  () => {
    let harness: KafkaHarness;
    let redis: RedisStore;
    let scope: StreamScope;
    const prefix = uniqueName("cwctx").replace(/[^A-Za-z0-9_-]/g, "_");
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

    it("one sender's transactions are applied once each and in order, redeliveries included; a shared recipient loses no update", async () => {
      scope = streamScope("cw_ctx");
      await harness.createTopics(scope);
      const env = { REDIS_URL: serviceUrls.redisUrl, REDIS_KEY_PREFIX: prefix };
      for (let index = 0; index < 2; index++) {
        const worker = createScoringWorker({ env: scope.workerEnv(env), logger: silentLogger });
        workers.push(worker);
        await worker.start();
      }
      const [first, second] = workers as [ScoringWorker, ScoringWorker];
      await waitUntil("both workers assigned", () =>
        first.stats().assignedPartitions.length > 0 &&
        second.stats().assignedPartitions.length > 0 &&
        first.stats().assignedPartitions.length + second.stats().assignedPartitions.length ===
          SCOPE_PARTITIONS
          ? true
          : undefined,
      );

      // The sender under test: N transactions in nonce order, a minute apart, to new recipients each time.
      const sender = randomAddress();
      const total = 40;
      const ofSender = Array.from({ length: total }, (_, nonce) => ({
        hash: randomHash(),
        from: sender,
        to: randomAddress(),
        value: (0.1 + (nonce % 5) * 0.05).toFixed(2),
        gas: 21_000,
        gasPrice: 20,
        nonce,
        timestamp: START_SECONDS + nonce * 60,
      }));
      // Background: senders on every partition (so both workers score), all paying one shared recipient,
      // whose state the two workers therefore update concurrently.
      const shared = randomAddress();
      const others = sendersOnEveryPartition().flatMap((from, senderIndex) =>
        Array.from({ length: 8 }, (_, nonce) => ({
          hash: randomHash(),
          from,
          to: shared,
          value: "0.20",
          gas: 21_000,
          gasPrice: 20,
          nonce,
          timestamp: START_SECONDS + nonce * 60 + senderIndex,
        })),
      );
      // Several produce requests, so the sender's transactions span several fetches and chunks; each
      // carries a share of the background. Then a redelivery: the same messages again, later in the stream.
      const rounds = 4;
      const perRound = (list: typeof ofSender, round: number) =>
        list.slice((round * list.length) / rounds, ((round + 1) * list.length) / rounds);
      const sent: OutgoingMessage[] = [];
      for (let round = 0; round < rounds; round++) {
        const messages = [...perRound(ofSender, round), ...perRound(others, round)].map(transactionMessage);
        sent.push(...messages);
        await harness.publish(scope.topics.transactions, messages);
      }
      const redelivered = [
        ...ofSender.slice(0, 10),
        ...ofSender.slice(25, 32),
        ...others.filter((_, index) => index % 3 === 0),
      ].map(transactionMessage);
      await harness.publish(scope.topics.transactions, redelivered);
      expect(new Set(sent.map((message) => message.key))).toContain(sender);

      const distinct = ofSender.length + others.length;
      const database = await openScopeDatabase(scope);
      try {
        // Every message consumed and committed (redeliveries included), and each transaction stored once.
        await waitUntil(
          "everything committed",
          async () => {
            const { committed, high } = await offsetTotals(
              harness.admin,
              scope.groupId,
              scope.topics.transactions,
            );
            return high >= sent.length + redelivered.length && committed === high ? true : undefined;
          },
          45_000,
          100,
          () => ({ first: first.stats(), second: second.stats() }),
        );
        expect(await storedCounts(database)).toEqual({ predictions: distinct, distinct });
        expect(first.stats().scored).toBeGreaterThan(0);
        expect(second.stats().scored).toBeGreaterThan(0);
        // Redeliveries reached the workers (scored again from the cache), and changed no state below.
        expect(first.stats().scored + second.stats().scored).toBeGreaterThanOrEqual(
          sent.length + redelivered.length,
        );

        const state = async (address: string) =>
          (await readAddressState(redis, prefix, address)) ?? { outCount: -1, inCount: -1 };
        // Applied exactly once per transaction: N, not N plus the 17 redelivered.
        expect(Number((await state(sender)).outCount)).toBe(total);
        // Updated by both workers, batch by batch, atomically: no update lost, none applied twice.
        expect(Number((await state(shared)).inCount)).toBe(others.length);

        // In order: the k-th transaction (by nonce) saw exactly k earlier ones of its sender.
        const { rows } = await database.query<{ nonce: string; sender_out: number | null }>(
          `SELECT t.nonce, (p.features->>'ctx_sender_out_count_log10')::float8 AS sender_out
             FROM transactions t JOIN predictions p ON p.tx_hash = t.hash
            WHERE t.from_address = $1
            ORDER BY t.nonce`,
          [sender],
        );
        expect(rows.map((row) => Number(row.nonce))).toEqual(ofSender.map((tx) => tx.nonce));
        const seen = rows.map((row) => row.sender_out);
        for (const [k, value] of seen.entries()) expect(value).toBeCloseTo(Math.log10(1 + k), 12);
        expect(seen.every((value, k) => k === 0 || (value ?? 0) > (seen[k - 1] ?? 0))).toBe(true);
      } finally {
        await database.close();
      }
    }, 60_000);

    it("an incident corrects a burst's earlier verdicts in the store and publishes each correction once", async () => {
      // The workers of the first test keep serving this scope's topics.
      expect(workers.length).toBe(2);
      // A quiet sender's burst: the 8th payment opens the incident that names the 1st–7th.
      const { history, burst } = quietSenderBurst(randomAddress(), START_SECONDS + 10 * 86_400);
      const database = await openScopeDatabase(scope);
      try {
        const stored = async (hashes: string[]) => {
          const { rows } = await database.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM predictions WHERE tx_hash = ANY($1)",
            [hashes],
          );
          return rows[0]?.n ?? 0;
        };
        // The history and the first four of the burst stored first, so the incident must reach back into
        // the store rather than find them in its own chunk; then the rest.
        const early = [...history, ...burst.slice(0, 4)];
        await harness.publish(scope.topics.transactions, early.map(transactionMessage));
        await waitUntil("the first seven stored", async () =>
          (await stored(early.map((tx) => tx.hash))) === early.length ? true : undefined,
        );
        await harness.publish(scope.topics.transactions, burst.slice(4).map(transactionMessage));
        // The trigger's batch again, as after a rebalance: nothing is corrected or published twice.
        await harness.publish(scope.topics.transactions, burst.slice(4, 8).map(transactionMessage));

        const incidentId = `inc_${burst[7]?.hash.slice(2, 18)}`;
        const firstFour = new Set(burst.slice(0, 4).map((tx) => tx.hash));
        const correctionsIn = correctionsOf(firstFour);
        await harness.readTopic(scope.topics.scores, (read) => correctionsIn(read).length >= 4, 45_000);
        await waitUntil("everything committed", async () => {
          const { committed, high } = await offsetTotals(
            harness.admin,
            scope.groupId,
            scope.topics.transactions,
          );
          return committed === high ? true : undefined;
        });
        // Everything on the topic by now (read for 5 s): the redelivered trigger batch added none.
        const published = correctionsIn(await harness.readTopic(scope.topics.scores, () => false, 5_000));
        expect(published.map((message) => message.hash).sort()).toEqual([...firstFour].sort());
        for (const message of published) {
          expect(message.correction).toEqual({ incidentId, triggerHash: burst[7]?.hash });
          expect(message.isAnomaly).toBe(true);
          expect(message.reasons?.[0]?.code).toBe("part_of_incident");
        }
        const { rows } = await database.query<{
          tx_hash: string;
          incident_id: string | null;
          is_anomaly: boolean;
        }>("SELECT tx_hash, incident_id, is_anomaly FROM predictions WHERE tx_hash = ANY($1)", [
          [...history, ...burst].map((tx) => tx.hash),
        ]);
        const byHash = new Map(rows.map((row) => [row.tx_hash, row]));
        for (const tx of burst)
          expect(byHash.get(tx.hash)).toMatchObject({ incident_id: incidentId, is_anomaly: true });
        for (const tx of history) expect(byHash.get(tx.hash)?.incident_id).toBeNull();
      } finally {
        await database.close();
      }
    }, 60_000);

    it("publishes the corrections after a restart: the redelivered trigger finds them pending", async () => {
      // A group of its own (its first worker is stopped mid-chunk); the address state is shared in Redis,
      // as in production, so the restarted worker sees the trigger as applied.
      const own = streamScope("cw_corr");
      await harness.createTopics(own);
      const env = own.workerEnv({ REDIS_URL: serviceUrls.redisUrl, REDIS_KEY_PREFIX: prefix });
      let control: { refusing: boolean; refused: number } | undefined;
      const first = createScoringWorker({
        env,
        logger: silentLogger,
        wrapPublisher: (publisher) => {
          const injected = refusingCorrections(publisher);
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
      const database = await openScopeDatabase(own);
      try {
        const storedCount = async (hashes: string[]) => {
          const { rows } = await database.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM predictions WHERE tx_hash = ANY($1)",
            [hashes],
          );
          return rows[0]?.n ?? 0;
        };
        await harness.publish(own.topics.transactions, early.map(transactionMessage));
        await waitUntil("the first seven stored", async () =>
          (await storedCount(early.map((tx) => tx.hash))) === early.length ? true : undefined,
        );
        await harness.publish(own.topics.transactions, burst.slice(4).map(transactionMessage));
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
        const correctionsIn = correctionsOf(firstFour);
        const read = await harness.readTopic(
          own.topics.scores,
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
          const { committed, high } = await offsetTotals(harness.admin, own.groupId, own.topics.transactions);
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
        await cleanupScope(own, harness);
      }
    }, 90_000);
  },
);
