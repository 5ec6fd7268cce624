import { describeModel, FEATURE_COUNT, serializeModel, trainModel } from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import {
  createModelRegistry,
  createPgliteDatabase,
  createRepositories,
  type Database,
  runMigrations,
} from "@chainwatch/store";
import { scoredRecord } from "@chainwatch/store/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AUTO_BASELINE_ACTOR,
  type AutoBaselineConfig,
  createAutoBaseline,
  type TrainedBaseline,
} from "./auto-baseline.ts";

const config: AutoBaselineConfig = {
  minTransactions: 4,
  retrainIntervalMs: 3_600_000,
  trainingRows: 100,
  shadowMinTransactions: 3,
  maxFlagRate: 0.5,
  maxFlagRateRatio: 2,
  minAgreement: 0.6,
};

/** A real model file, different per seed, standing in for the spec-2 trainer. */
function modelFile(seed: number) {
  const rows = 64;
  const data = new Float64Array(rows * FEATURE_COUNT);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919 + seed * 104_729) % 1000) / 100;
  return trainModel({ data, rows, cols: FEATURE_COUNT }, { seed, nEstimators: 5, maxSamples: 32 });
}

function fakeTrainer(seed: number) {
  const calls: number[] = [];
  const train = async (rows: Record<string, number>[]): Promise<TrainedBaseline> => {
    calls.push(rows.length);
    const model = modelFile(seed);
    return {
      modelVersion: model.modelVersion,
      checksum: model.checksum.value,
      featureSpecVersion: model.content.featureSpecVersion,
      modelJson: serializeModel(model),
      metadata: describeModel(model) as unknown as Record<string, unknown>,
      rows: rows.length,
    };
  };
  return { train, calls };
}

describe("auto-baseline policy (PGlite registry and store)", () => {
  let db: Database;
  let offsetMs: number;
  const audits: { action: string; details: Record<string, unknown> }[] = [];
  beforeEach(async () => {
    db = await createPgliteDatabase();
    await runMigrations(db);
    offsetMs = 0;
    audits.length = 0;
    const active = modelFile(1);
    const registry = createModelRegistry(db);
    await registry.register({
      version: active.modelVersion,
      featureSpecVersion: 1,
      checksum: active.checksum.value,
      metadata: {},
      fileJson: serializeModel(active),
      createdBy: "test",
    });
    await registry.deploy(active.modelVersion, { strategy: "full", actor: "test" });
  });
  afterEach(() => db.close());

  function policy(trainer = fakeTrainer(2), driftAlarm = false) {
    const repositories = createRepositories(db);
    return createAutoBaseline({
      registry: createModelRegistry(db),
      servedFeatureVectors: repositories.servedFeatureVectors,
      countServedFeatureVectors: repositories.countServedFeatureVectors,
      train: trainer.train,
      isDriftAlarm: async () => driftAlarm,
      audit: (event) => audits.push(event),
      logger: createLogger({ name: "t", level: "silent" }),
      config,
      now: () => new Date(Date.now() + offsetMs),
    });
  }

  /** `count` transactions scored by `version`, served or as its shadow, `anomalous` of them flagged. */
  async function scored(version: string, hashes: string[], anomalous: number, served = true) {
    const records = hashes.map((hash, index) => ({
      ...scoredRecord({
        hash,
        modelVersion: version,
        isAnomaly: index < anomalous,
        features: { value_log10_wei: 18, ctx_sender_known: 1 },
      }),
      served,
    }));
    await createRepositories(db).recordScored(records);
  }

  const activeVersion = async () => (await createModelRegistry(db).activeSet()).active?.version;
  const hashes = (n: number, salt: number) =>
    Array.from({ length: n }, (_, i) => `0x${(salt * 1000 + i + 1).toString(16).padStart(64, "0")}`);

  it("waits for enough served traffic, trains on it, shadows, then promotes when the gates pass", async () => {
    const trainer = fakeTrainer(2);
    const auto = policy(trainer);
    const active = (await activeVersion()) as string;
    await scored(active, hashes(3, 1), 0);
    expect(await auto.tick()).toEqual({ action: "waiting", servedWithContext: 3, needed: 4 });

    await scored(active, hashes(2, 2), 0);
    const trained = await auto.tick();
    expect(trained).toMatchObject({ action: "trained", rows: 5 });
    expect(trainer.calls).toEqual([5]);
    const version = (trained as { version: string }).version;
    const registry = createModelRegistry(db);
    expect((await registry.activeSet()).shadows.map((shadow) => shadow.version)).toEqual([version]);
    expect((await registry.get(version))?.createdBy).toBe(AUTO_BASELINE_ACTOR);

    const shadowing = await auto.tick();
    expect(auto.status(true).lastError).toBeNull();
    expect(shadowing).toEqual({ action: "shadowing", version, scored: 0, needed: 3 });
    const window = hashes(4, 3);
    await scored(active, window, 1);
    await scored(version, window, 1, false);
    const judged = await auto.tick();
    expect(judged).toMatchObject({ action: "promoted", version });
    expect(await activeVersion()).toBe(version);
    expect((await registry.history({ version, limit: 5 })).map((row) => [row.action, row.actor])).toEqual([
      ["deploy", AUTO_BASELINE_ACTOR],
      ["deploy", AUTO_BASELINE_ACTOR],
      ["register", AUTO_BASELINE_ACTOR],
    ]);
    expect(audits.map((event) => event.action)).toEqual([
      "model.auto_baseline.train",
      "model.auto_baseline.promote",
    ]);
    expect(await auto.tick()).toMatchObject({ action: "idle" });
  });

  it("retires the shadow when a gate fails: it flags far more than the active model", async () => {
    const auto = policy();
    const active = (await activeVersion()) as string;
    await scored(active, hashes(5, 4), 0);
    const { version } = (await auto.tick()) as { version: string };
    const window = hashes(4, 5);
    await scored(active, window, 0);
    await scored(version, window, 4, false);
    const judged = await auto.tick();
    expect(judged).toMatchObject({ action: "rejected", version });
    const gates = (judged as { gates: { gate: string; passed: boolean }[] }).gates;
    expect(gates.filter((gate) => !gate.passed).map((gate) => gate.gate)).toEqual([
      "flag_rate",
      "flag_rate_ratio",
      "agreement",
    ]);
    expect(await activeVersion()).toBe(active);
    expect((await createModelRegistry(db).get(version))?.status).toBe("retired");
    expect(audits.at(-1)?.action).toBe("model.auto_baseline.reject");
  });

  it("never promotes during a drift alarm", async () => {
    const auto = policy(fakeTrainer(3), true);
    const active = (await activeVersion()) as string;
    await scored(active, hashes(5, 6), 0);
    const { version } = (await auto.tick()) as { version: string };
    const window = hashes(4, 7);
    await scored(active, window, 0);
    await scored(version, window, 0, false);
    const judged = await auto.tick();
    expect(judged).toMatchObject({ action: "rejected", version });
    expect(await activeVersion()).toBe(active);
  });

  it("retrains only after the interval, on traffic served since the last baseline", async () => {
    const auto = policy();
    const active = (await activeVersion()) as string;
    await scored(active, hashes(5, 8), 0);
    const { version } = (await auto.tick()) as { version: string };
    const window = hashes(4, 9);
    await scored(active, window, 0);
    await scored(version, window, 0, false);
    expect(await auto.tick()).toMatchObject({ action: "promoted" });
    expect(await auto.tick()).toMatchObject({ action: "idle" });
    offsetMs = config.retrainIntervalMs + 1_000;
    // the four transactions served since the baseline are enough; the same rows give the same model
    expect(await auto.tick()).toEqual({ action: "unchanged", version, status: "active" });
  });
});
