import { createMetricsRegistry, createScoringMetrics } from "@chainwatch/metrics";
import { loadDefaultModelFile, normalizeTransaction, serializeModel, trainModel } from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import { createModelRegistry, createPgliteDatabase, type Database, runMigrations } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapRegistryModel, createRegistryModelProvider, registerModelFile } from "./registry-poller.ts";

const logger = createLogger({ name: "t", level: "silent" });
const defaultModel = loadDefaultModelFile();
const candidate = trainModel(
  Array.from({ length: 400 }, (_, i) =>
    normalizeTransaction({
      hash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
      value: 0.01 * (1 + (i % 37)),
      gas: 21_000 + (i % 5) * 1_000,
      gasPrice: 10 + (i % 23),
      timestamp: 1_700_000_000 + i,
    }),
  ),
  { seed: 7, nEstimators: 10, maxSamples: 64, source: "poller-test" },
);

describe("registry model provider", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase();
    await runMigrations(database);
  });
  afterAll(async () => {
    await database.close();
  });

  it("bootstraps an empty registry, follows deploys, canaries and rollbacks, and refuses tampered files", async () => {
    const registry = createModelRegistry(database);
    expect(await bootstrapRegistryModel(registry, defaultModel)).toBe(defaultModel.modelVersion);
    expect(await bootstrapRegistryModel(registry, candidate)).toBeNull();
    const metricsRegistry = createMetricsRegistry({ collectProcessMetrics: false });
    const provider = createRegistryModelProvider({
      registry,
      intervalMs: 60_000,
      logger,
      metrics: createScoringMetrics(metricsRegistry),
    });
    await provider.start();
    try {
      expect(provider.current().modelVersion).toBe(defaultModel.modelVersion);
      expect(await provider.refresh()).toBe(false);

      await registerModelFile(registry, candidate, "test");
      await registry.deploy(candidate.modelVersion, { strategy: "shadow", actor: "test" });
      expect(await provider.refresh()).toBe(true);
      expect(provider.serving().shadows.map((s) => s.modelVersion)).toEqual([candidate.modelVersion]);
      expect(provider.current().modelVersion).toBe(defaultModel.modelVersion);

      await registry.deploy(candidate.modelVersion, {
        strategy: "canary",
        trafficPercent: 10,
        actor: "test",
      });
      expect(await provider.refresh()).toBe(true);
      expect(provider.serving().canary?.percent).toBe(10);
      expect(provider.serving().shadows).toHaveLength(0);

      await registry.setTraffic(candidate.modelVersion, 0, "test");
      await registry.deploy(candidate.modelVersion, { strategy: "full", actor: "test" });
      expect(await provider.refresh()).toBe(true);
      expect(provider.current().modelVersion).toBe(candidate.modelVersion);

      await registry.rollback("test");
      expect(await provider.refresh()).toBe(true);
      expect(provider.current().modelVersion).toBe(defaultModel.modelVersion);

      // Tamper with the candidate's stored file: the next set that needs it is refused as a whole.
      const tampered = JSON.parse(serializeModel(candidate)) as {
        content: { scoring: { threshold: number } };
      };
      tampered.content.scoring.threshold = 0.01;
      await database.query("UPDATE model_versions SET file = $1 WHERE version = $2", [
        JSON.stringify(tampered),
        candidate.modelVersion,
      ]);
      const fresh = createRegistryModelProvider({
        registry,
        intervalMs: 60_000,
        logger,
        metrics: createScoringMetrics(createMetricsRegistry({ collectProcessMetrics: false })),
      });
      await fresh.refresh();
      await registry.deploy(candidate.modelVersion, { strategy: "full", actor: "test" });
      const before = fresh.revision();
      expect(await fresh.refresh()).toBe(false);
      expect(fresh.revision()).toBe(before);
      expect(fresh.current().modelVersion).toBe(defaultModel.modelVersion);
      await expect(
        createRegistryModelProvider({ registry, intervalMs: 60_000, logger }).refresh(),
      ).rejects.toMatchObject({ code: "MODEL_LOAD_REFUSED" });
      expect(await metricsRegistry.metrics()).toMatch(/model_registry_reloads_total\{outcome="ok"\} [4-9]/);
    } finally {
      await provider.stop();
    }
  }, 60_000);
});
