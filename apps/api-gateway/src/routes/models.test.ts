import { randomBytes } from "node:crypto";
import { loadDefaultModelFile } from "@chainwatch/model";
import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const DEFAULT_VERSION = loadDefaultModelFile().modelVersion;

/** Seeded legacy traffic: ~20 gwei prices, plain transfers; `gasScale` multiplies every gas price. */
function traffic(count: number, seed: number, gasScale = 1) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return Array.from({ length: count }, () => ({
    hash: `0x${randomBytes(32).toString("hex")}`,
    value: Number((10 ** (random() * 4 - 2)).toFixed(6)),
    gas: [21_000, 50_000, 90_000, 150_000][Math.floor(random() * 4)] ?? 21_000,
    gasPrice: Number(((5 + random() * 40) * gasScale).toFixed(3)),
  }));
}

interface ModelsList {
  activeSet: { active: { version: string } | null; revision: string; shadows: { version: string }[] };
  serving: { revision: string | null };
}

describe("model lifecycle API", () => {
  let app: TestGateway;
  let database: Database;

  const waitUntilServing = async () => {
    await expect
      .poll(
        async () => {
          const list = (await app.send("/api/v1/models")).json as ModelsList;
          return list.serving.revision === list.activeSet.revision;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
  };

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway(
      { MODEL_REFRESH_INTERVAL_SECONDS: "1", DRIFT_CHECK_INTERVAL_SECONDS: "0" },
      { database },
    );
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("bootstraps the registry with the shipped model at first start", async () => {
    const list = (await app.send("/api/v1/models")).json as ModelsList & { versions: { version: string }[] };
    expect(list.activeSet.active?.version).toBe(DEFAULT_VERSION);
    expect(list.versions.map((v) => v.version)).toEqual([DEFAULT_VERSION]);
    expect(list.serving.revision).toBe(list.activeSet.revision);
    const one = await app.send(`/api/v1/models/${DEFAULT_VERSION}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ version: DEFAULT_VERSION, status: "active", createdBy: "bootstrap" });
    expect((await app.send("/api/v1/models/if-000000000000")).status).toBe(404);
  });

  it("trains, shadows, drifts, deploys and rolls back", { timeout: 120_000 }, async () => {
    // 1. Stored traffic to train on (embedded ingest stores before answering).
    const since = new Date(Date.now() - 1_000).toISOString();
    const baseline = traffic(800, 1);
    const ingest = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: baseline },
    });
    expect(ingest.status).toBe(202);
    const until = new Date(Date.now() + 1_000).toISOString();

    // 2. Train from the stored window: 202, then the job registers the version.
    const refused = await app.send("/api/v1/models/train", {
      method: "POST",
      body: { source: { kind: "file", path: "../../etc/passwd" } },
    });
    expect(refused.status).toBe(400);
    const started = await app.send("/api/v1/models/train", {
      method: "POST",
      body: {
        source: { kind: "stored", since, until },
        parameters: { seed: 7, trees: 20, sampleSize: 128, contamination: 0.02 },
      },
    });
    expect(started.status).toBe(202);
    const { statusUrl } = started.json as { statusUrl: string };
    let job: { status: string; modelVersion: string | null; rows: number; error: unknown } = {
      status: "running",
      modelVersion: null,
      rows: 0,
      error: null,
    };
    await expect
      .poll(
        async () => {
          job = (await app.send(statusUrl)).json as typeof job;
          return job.status;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe("succeeded");
    expect(job.rows).toBe(800);
    const candidate = job.modelVersion ?? "";
    expect(candidate).toMatch(/^if-[0-9a-f]{12}$/);
    expect((await app.send(`/api/v1/models/${candidate}`)).json).toMatchObject({ status: "inactive" });

    // 3. Shadow: both versions recorded, only the active one returned.
    const bad = await app.send(`/api/v1/models/${candidate}/deploy`, {
      method: "POST",
      body: { strategy: "canary" },
    });
    expect(bad.status).toBe(400);
    const shadowed = await app.send(`/api/v1/models/${candidate}/deploy`, {
      method: "POST",
      body: { strategy: "shadow" },
    });
    expect(shadowed.status).toBe(200);
    await waitUntilServing();
    const probe = traffic(3, 99);
    const predicted = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: probe },
    });
    expect(predicted.status).toBe(200);
    const results = (predicted.json as { results: { modelVersion: string }[] }).results;
    expect(results.map((r) => r.modelVersion)).toEqual([DEFAULT_VERSION, DEFAULT_VERSION, DEFAULT_VERSION]);
    const hash = probe[0]?.hash ?? "";
    await expect
      .poll(
        async () =>
          (
            await database.query<{ model_version: string; served: boolean }>(
              "SELECT model_version, served FROM predictions WHERE tx_hash = $1 ORDER BY served DESC",
              [hash],
            )
          ).rows,
        { timeout: 10_000, interval: 100 },
      )
      .toEqual([
        { model_version: DEFAULT_VERSION, served: true },
        { model_version: candidate, served: false },
      ]);
    const stored = await app.send(`/api/v1/transactions/${hash}`);
    expect(stored.json).toMatchObject({ latestPrediction: { modelVersion: DEFAULT_VERSION } });

    // 4. Full deploy, then drift of the training traffic against the model trained on it: none.
    expect(
      (await app.send(`/api/v1/models/${candidate}/deploy`, { method: "POST", body: { strategy: "full" } }))
        .status,
    ).toBe(200);
    await waitUntilServing();
    const steady = await app.send("/api/v1/models/drift", { method: "POST", body: { since } });
    expect(steady.status).toBe(200);
    expect(steady.json).toMatchObject({ modelVersion: candidate, severity: "none", driftedFeatures: [] });

    // Shifted gas prices (×10): the gas-price feature is flagged and the gauges say so.
    const shiftedSince = new Date(Date.now() - 500).toISOString();
    await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: traffic(800, 2, 10) },
    });
    const shifted = await app.send("/api/v1/models/drift", { method: "POST", body: { since: shiftedSince } });
    expect(shifted.status).toBe(200);
    const report = shifted.json as { severity: string; driftedFeatures: string[]; recentRows: number };
    expect(report.recentRows).toBe(800);
    expect(report.severity).not.toBe("none");
    expect(report.driftedFeatures).toContain("gas_price_log10_wei");
    const metrics = (await app.send("/metrics", { anonymous: true })).text;
    expect(metrics).toMatch(/model_drift_detected\{[^}]*\} 1/);
    expect(metrics).toMatch(/model_drift_score\{[^}]*feature="gas_price_log10_wei"[^}]*\} \d/);
    expect(metrics).toMatch(/model_predictions_total\{[^}]*strategy="shadow"/);

    // Both checks are recorded, newest first, with who asked; a severity filter keeps only the drifted one.
    const history = await app.send("/api/v1/models/drift");
    expect(history.status).toBe(200);
    const reports = (
      history.json as { reports: { id: string; severity: string; trigger: string; requestedBy: string }[] }
    ).reports;
    expect(reports.map((entry) => entry.severity)).toEqual([report.severity, "none"]);
    expect(reports[0]).toMatchObject({ id: (shifted.json as { id: string }).id, trigger: "api" });
    expect(reports[0]?.requestedBy).toMatch(/^(api_key|user):/);
    const drifted = await app.send(`/api/v1/models/drift?minSeverity=low&modelVersion=${candidate}`);
    expect((drifted.json as { reports: unknown[] }).reports).toHaveLength(1);
    const badQuery = await app.send("/api/v1/models/drift?minSeverity=extreme");
    expect(badQuery.status).toBe(400);
    expect(badQuery.json).toMatchObject({ code: "VALIDATION_ERROR" });

    // 5. Rollback: the previous version serves again within the refresh interval plus one load. The poll's
    // timeout is the bound (generous for a loaded CI machine); no separate stopwatch assertion.
    const rolled = await app.send("/api/v1/models/rollback", {
      method: "POST",
      body: { fromVersion: candidate },
    });
    expect(rolled.status).toBe(200);
    await expect
      .poll(
        async () => {
          const response = await app.send("/api/v1/predict", { method: "POST", body: traffic(1, 5)[0] });
          return (response.json as { modelVersion: string }).modelVersion;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBe(DEFAULT_VERSION);
    const again = await app.send("/api/v1/models/rollback", {
      method: "POST",
      body: { fromVersion: candidate },
    });
    expect(again.status).toBe(409);

    // Every change is in the audit log.
    const audit = await database.query<{ action: string }>(
      "SELECT action FROM audit_logs WHERE action LIKE 'model.%' ORDER BY occurred_at",
    );
    expect(audit.rows.map((row) => row.action)).toEqual(
      expect.arrayContaining(["model.train", "model.deploy", "model.rollback"]),
    );
  });
});
