import { fileURLToPath } from "node:url";
import { loadDefaultModelFile, type ModelFile, normalizeTransaction, trainModel } from "@chainwatch/model";
import { registerModelFile, routingBucket } from "@chainwatch/scoring";
import { createModelRegistry, type Database, type ModelRegistry } from "@chainwatch/store";
import {
  describeWithServices,
  freePort,
  type SpawnedService,
  spawnService,
  waitForHttp,
} from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  cleanupScope,
  type KafkaHarness,
  kafkaHarness,
  openScopeDatabase,
  type StreamScope,
  streamScope,
  transaction,
  transactionMessage,
  waitUntil,
} from "./testing/stream-fixtures.ts";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
const randomPort = async () => String(await freePort());
/** The worker polls the registry every second here; the bound it must meet is that plus one model load. */
const REFRESH_SECONDS = 1;

interface WorkerHealth {
  modelVersion: string;
  models: { revision: string; active: string; canary: string | null; shadows: string[] } | null;
}

/** A second model, small and quick to train, on the same kind of traffic the stream carries. */
function trainChallenger(): ModelFile {
  const rows = Array.from({ length: 2_000 }, (_, index) => normalizeTransaction(transaction(index)));
  return trainModel(rows, { seed: 7, nEstimators: 25, maxSamples: 128, source: "rollout test" });
}

/** Served versions by hash for the given hashes (shadow rows excluded). */
async function servedVersions(database: Database, hashes: string[]): Promise<Map<string, string[]>> {
  const { rows } = await database.query<{ tx_hash: string; model_version: string }>(
    "SELECT tx_hash, model_version FROM predictions WHERE served AND tx_hash = ANY($1::text[])",
    [hashes],
  );
  const byHash = new Map<string, string[]>();
  for (const row of rows) byHash.set(row.tx_hash, [...(byHash.get(row.tx_hash) ?? []), row.model_version]);
  return byHash;
}

await describeWithServices(
  "model rollout reaches a running scoring worker (real Kafka and PostgreSQL)",
  ["kafka", "postgres"],
  () => {
    let harness: KafkaHarness;
    let scope: StreamScope;
    let database: Database;
    let registry: ModelRegistry;
    let worker: SpawnedService;
    let port: string;
    const activeVersion = loadDefaultModelFile().modelVersion;
    const challenger = trainChallenger();

    const health = async () =>
      (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as WorkerHealth;
    /**
     * Polls until the worker's serving set satisfies `isServing`, failing after `boundMs` (the bound is the
     * assertion); returns how long it took, for the log.
     */
    const servingWithin = async (
      what: string,
      isServing: (health: WorkerHealth) => boolean,
      boundMs = 30_000,
    ) => {
      const started = performance.now();
      await waitUntil(what, async () => (isServing(await health()) ? true : undefined), boundMs, 50, health);
      return performance.now() - started;
    };
    /** Publishes `count` new transactions and waits until each has its served prediction stored. */
    const publishAndScore = async (count: number, offset: number) => {
      const transactions = Array.from({ length: count }, (_, index) => transaction(offset + index));
      await harness.publish(scope.topics.transactions, transactions.map(transactionMessage));
      const hashes = transactions.map((tx) => String(tx.hash));
      return waitUntil("the batch scored and stored", async () => {
        const served = await servedVersions(database, hashes);
        return served.size === hashes.length ? { hashes, served } : undefined;
      });
    };

    beforeAll(async () => {
      harness = kafkaHarness();
      scope = streamScope("cw_rollout");
      await harness.createTopics(scope);
      port = await randomPort();
      worker = spawnService(
        mainPath,
        scope.env({ HEALTH_PORT: port, MODEL_REFRESH_INTERVAL_SECONDS: String(REFRESH_SECONDS) }),
      );
      await waitForHttp(`http://127.0.0.1:${port}/health/ready`, { service: worker, timeoutMs: 90_000 });
      database = await openScopeDatabase(scope);
      registry = createModelRegistry(database);
      await registerModelFile(registry, challenger, "rollout-test");
    });
    afterAll(async () => {
      await worker?.stop("SIGKILL");
      await database?.close();
      await cleanupScope(scope, harness);
      await harness.close();
    });

    it("bootstraps the registry on an empty schema and serves the active version", async () => {
      expect((await registry.activeSet()).active?.version).toBe(activeVersion);
      expect(await health()).toMatchObject({
        modelVersion: activeVersion,
        models: { active: activeVersion },
      });
      const { served } = await publishAndScore(50, 0);
      expect(new Set([...served.values()].flat())).toEqual(new Set([activeVersion]));
    });

    it("canary at 10 %: each transaction served by the version its hash bucket names", async () => {
      await registry.deploy(challenger.modelVersion, { strategy: "canary", trafficPercent: 10, actor: "t" });
      await servingWithin("the canary", (h) => h.models?.canary === `${challenger.modelVersion}@10%`);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(
        new RegExp(`model_active_version_info\\{[^}]*version="${challenger.modelVersion}",role="canary"`),
      );
      expect(metrics).toMatch(/dependency_up\{[^}]*dependency="database"[^}]*\} 1/);
      const { hashes, served } = await publishAndScore(1_000, 1_000);
      let canaryCount = 0;
      for (const hash of hashes) {
        const expected = routingBucket(hash) < 10 ? challenger.modelVersion : activeVersion;
        expect(served.get(hash)).toEqual([expected]);
        if (expected === challenger.modelVersion) canaryCount++;
      }
      // Random hashes: ~10 % of 1,000 (binomial σ ≈ 9.5), so 5–15 % is far outside chance.
      expect(canaryCount).toBeGreaterThan(50);
      expect(canaryCount).toBeLessThan(150);
    });

    it("full deploy, then rollback: the worker serves the previous version again within the bound", async () => {
      await registry.deploy(challenger.modelVersion, { strategy: "full", actor: "t" });
      await servingWithin("the promotion", (h) => h.modelVersion === challenger.modelVersion);
      const promoted = await publishAndScore(200, 3_000);
      expect(new Set([...promoted.served.values()].flat())).toEqual(new Set([challenger.modelVersion]));

      await registry.rollback("t");
      // Bound: one poll interval plus one load; the previous version is still in memory, so the load is
      // a lookup. The poll fails past the bound, with a generous margin for a loaded CI machine (the
      // running process is the one asserted on: no restart is involved).
      const tookMs = await servingWithin(
        "the rollback",
        (h) => h.modelVersion === activeVersion,
        REFRESH_SECONDS * 1_000 + 10_000,
      );
      process.stdout.write(
        `rollback reached the worker in ${Math.round(tookMs)} ms (poll ${REFRESH_SECONDS} s)\n`,
      );
      const rolledBack = await publishAndScore(200, 4_000);
      expect(new Set([...rolledBack.served.values()].flat())).toEqual(new Set([activeVersion]));
    });

    it("shadow: both versions recorded for each transaction, only the active one served", async () => {
      await registry.deploy(challenger.modelVersion, { strategy: "shadow", actor: "t" });
      await servingWithin("the shadow", (h) => h.models?.shadows.includes(challenger.modelVersion) === true);
      const { hashes, served } = await publishAndScore(100, 5_000);
      expect(new Set([...served.values()].flat())).toEqual(new Set([activeVersion]));
      // Shadow rows are written after the served ones, off the commit path.
      const shadowRows = await waitUntil("shadow rows stored", async () => {
        const { rows } = await database.query<{ count: string }>(
          "SELECT count(*) FROM predictions WHERE NOT served AND model_version = $1 AND tx_hash = ANY($2::text[])",
          [challenger.modelVersion, hashes],
        );
        return Number(rows[0]?.count) === hashes.length ? hashes.length : undefined;
      });
      expect(shadowRows).toBe(100);
    });
  },
);
