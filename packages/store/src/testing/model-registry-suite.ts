import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { createRepositories, type Repositories } from "../repositories/index.ts";
import { createModelRegistry, type ModelRegistry } from "../repositories/model-registry.ts";
import type { RegisterModelInput } from "../repositories/model-registry-types.ts";
import { randomHash, scoredRecord } from "./fixtures.ts";

const modelInput = (version: string, overrides: Partial<RegisterModelInput> = {}): RegisterModelInput => ({
  version,
  featureSpecVersion: 1,
  checksum: `${version}-checksum`,
  metadata: { training: { rows: 57_000, seed: 42 } },
  fileJson: `{"modelVersion":"${version}"}\n`,
  createdBy: "admin@example.com",
  ...overrides,
});

/** The error code a promise rejects with. */
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );

/**
 * The model registry against every driver (PGlite in unit tests, PostgreSQL in integration), like
 * defineRepositorySuite. `makeDb` returns an empty database; the suite migrates and closes it.
 */
export function defineModelRegistrySuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let registry: ModelRegistry;
    let repos: Repositories;

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      registry = createModelRegistry(db);
      repos = createRepositories(db);
    });

    afterAll(async () => {
      await db.close();
    });

    beforeEach(async () => {
      await db.query("TRUNCATE model_deployments, model_versions, transactions, predictions, anomalies");
    });

    const registerAll = async (...versions: string[]) => {
      for (const version of versions) await registry.register(modelInput(version));
    };
    const statuses = async () =>
      Object.fromEntries(
        (await registry.list()).map((model) => [model.version, [model.status, model.trafficPercent]]),
      );

    describe("register, get and list", () => {
      it("registers once: the same version and checksum again is a no-op, another checksum a conflict", async () => {
        const first = await registry.register(modelInput("if-aaaaaaaaaaaa"));
        expect(first.created).toBe(true);
        expect(first.model).toMatchObject({
          version: "if-aaaaaaaaaaaa",
          featureSpecVersion: "1",
          checksum: "if-aaaaaaaaaaaa-checksum",
          status: "inactive",
          trafficPercent: 0,
          metadata: { training: { rows: 57_000, seed: 42 } },
          createdBy: "admin@example.com",
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        });
        const again = await registry.register(modelInput("if-aaaaaaaaaaaa"));
        expect(again).toEqual({ created: false, model: first.model });
        await expect(
          registry.register(modelInput("if-aaaaaaaaaaaa", { checksum: "other" })),
        ).rejects.toMatchObject({
          code: "MODEL_VERSION_CONFLICT",
          details: { registeredChecksum: "if-aaaaaaaaaaaa-checksum" },
        });
        const history = await registry.history({ limit: 10 });
        expect(history.map((row) => row.action)).toEqual(["register"]);
        expect(history[0]).toMatchObject({
          version: "if-aaaaaaaaaaaa",
          actor: "admin@example.com",
          strategy: null,
        });
      });

      it("returns the file byte for byte with get, and lists versions without files", async () => {
        const fileJson = `{"content":{"b":1,"a":[0.1,1e-7]},"modelVersion":"v-file"}\n`;
        await registry.register(modelInput("v-file", { fileJson }));
        await registry.register(modelInput("v-nofile", { fileJson: null }));
        expect((await registry.get("v-file"))?.fileJson).toBe(fileJson);
        expect((await registry.get("v-nofile"))?.fileJson).toBeNull();
        expect(await registry.get("v-unknown")).toBeNull();
        expect(await registry.get("not a version!")).toBeNull();
        const listed = await registry.list();
        expect(listed.map((model) => model.version).sort()).toEqual(["v-file", "v-nofile"]);
        expect(listed.every((model) => !("fileJson" in model))).toBe(true);
      });

      it("validates input", async () => {
        expect(await codeOf(registry.register(modelInput("bad version")))).toBe("VALIDATION_ERROR");
        expect(await codeOf(registry.register(modelInput("v1", { createdBy: " " })))).toBe(
          "VALIDATION_ERROR",
        );
        expect(await codeOf(registry.register(modelInput("v1", { checksum: "" })))).toBe("VALIDATION_ERROR");
      });
    });

    describe("deploy, traffic, rollback and retire", () => {
      it("deploys full: the previous active becomes inactive and is recorded; the same deploy twice changes nothing", async () => {
        await registerAll("v1", "v2");
        const empty = await registry.activeSet();
        expect(empty).toEqual({ active: null, shadows: [], canary: null, revision: expect.any(String) });
        const first = await registry.deploy("v1", { strategy: "full", actor: "alice" });
        expect(first.changed).toBe(true);
        expect(first.deployment).toMatchObject({
          version: "v1",
          action: "deploy",
          strategy: "full",
          trafficPercent: 100,
          previousActive: null,
          actor: "alice",
        });
        expect(first.set.active).toEqual({ version: "v1", checksum: "v1-checksum", trafficPercent: 100 });
        expect(first.set.revision).not.toBe(empty.revision);
        const second = await registry.deploy("v2", { strategy: "full", actor: "bob" });
        expect(second.deployment?.previousActive).toBe("v1");
        expect(await statuses()).toEqual({ v1: ["inactive", 0], v2: ["active", 100] });
        const retry = await registry.deploy("v2", { strategy: "full", actor: "bob" });
        expect(retry).toEqual({ changed: false, deployment: null, set: second.set });
        expect(await registry.activeSet()).toEqual(second.set);
      });

      it("runs shadows beside the active model, at most three, never the active one", async () => {
        await registerAll("v1", "s1", "s2", "s3", "s4");
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        for (const version of ["s2", "s1", "s3"]) {
          expect((await registry.deploy(version, { strategy: "shadow", actor: "a" })).changed).toBe(true);
        }
        const set = await registry.activeSet();
        expect(set.shadows).toEqual([
          { version: "s1", checksum: "s1-checksum" },
          { version: "s2", checksum: "s2-checksum" },
          { version: "s3", checksum: "s3-checksum" },
        ]);
        expect((await registry.deploy("s1", { strategy: "shadow", actor: "a" })).changed).toBe(false);
        expect(await codeOf(registry.deploy("s4", { strategy: "shadow", actor: "a" }))).toBe(
          "MODEL_STATE_CONFLICT",
        );
        expect(await codeOf(registry.deploy("v1", { strategy: "shadow", actor: "a" }))).toBe(
          "MODEL_STATE_CONFLICT",
        );
        // promoting a shadow makes it active and takes it out of the shadows
        await registry.deploy("s1", { strategy: "full", actor: "a" });
        expect((await registry.activeSet()).shadows.map((shadow) => shadow.version)).toEqual(["s2", "s3"]);
      });

      it("splits traffic for one canary, validating percentages so canary + active is always 100", async () => {
        await registerAll("v1", "c1", "c2");
        expect(
          await codeOf(registry.deploy("c1", { strategy: "canary", trafficPercent: 10, actor: "a" })),
        ).toBe("MODEL_STATE_CONFLICT");
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        for (const trafficPercent of [0, 101, 10.5, -5, undefined]) {
          expect(
            await codeOf(
              registry.deploy("c1", {
                strategy: "canary",
                actor: "a",
                ...(trafficPercent === undefined ? {} : { trafficPercent }),
              }),
            ),
          ).toBe("VALIDATION_ERROR");
        }
        expect(
          await codeOf(registry.deploy("c1", { strategy: "shadow", trafficPercent: 10, actor: "a" })),
        ).toBe("VALIDATION_ERROR");
        const canary = await registry.deploy("c1", { strategy: "canary", trafficPercent: 10, actor: "a" });
        expect(canary.set).toMatchObject({
          active: { version: "v1", trafficPercent: 90 },
          canary: { version: "c1", checksum: "c1-checksum", trafficPercent: 10 },
        });
        expect(canary.deployment).toMatchObject({
          strategy: "canary",
          trafficPercent: 10,
          previousActive: "v1",
        });
        expect(
          await codeOf(registry.deploy("c2", { strategy: "canary", trafficPercent: 5, actor: "a" })),
        ).toBe("MODEL_STATE_CONFLICT");
        expect(
          await codeOf(registry.deploy("v1", { strategy: "canary", trafficPercent: 5, actor: "a" })),
        ).toBe("MODEL_STATE_CONFLICT");
        // a full deploy of another version must wait for the canary to end
        expect(await codeOf(registry.deploy("c2", { strategy: "full", actor: "a" }))).toBe(
          "MODEL_STATE_CONFLICT",
        );

        const half = await registry.setTraffic("c1", 50, "a");
        expect(half.deployment).toMatchObject({ action: "traffic", trafficPercent: 50, strategy: null });
        expect(await statuses()).toMatchObject({ v1: ["active", 50], c1: ["canary", 50] });
        expect((await registry.setTraffic("c1", 50, "a")).changed).toBe(false);
        const all = await registry.setTraffic("c1", 100, "a");
        expect(all.set).toMatchObject({ active: { trafficPercent: 0 }, canary: { trafficPercent: 100 } });
        expect(await codeOf(registry.setTraffic("c1", 101, "a"))).toBe("VALIDATION_ERROR");
        expect(await codeOf(registry.setTraffic("v1", 10, "a"))).toBe("MODEL_STATE_CONFLICT");
        expect(await codeOf(registry.setTraffic("nope", 10, "a"))).toBe("MODEL_NOT_FOUND");
        // 0 ends the canary; the active model serves everything again
        const ended = await registry.setTraffic("c1", 0, "a");
        expect(ended.set).toMatchObject({ active: { version: "v1", trafficPercent: 100 }, canary: null });
        expect(await statuses()).toMatchObject({ c1: ["inactive", 0] });
      });

      it("promotes a canary with a full deploy, and a canary moved to shadow gives its traffic back", async () => {
        await registerAll("v1", "c1", "c2");
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        await registry.deploy("c1", { strategy: "canary", trafficPercent: 20, actor: "a" });
        const promoted = await registry.deploy("c1", { strategy: "full", actor: "a" });
        expect(promoted.set).toMatchObject({ active: { version: "c1", trafficPercent: 100 }, canary: null });
        expect(promoted.deployment?.previousActive).toBe("v1");
        await registry.deploy("c2", { strategy: "canary", trafficPercent: 30, actor: "a" });
        const shadowed = await registry.deploy("c2", { strategy: "shadow", actor: "a" });
        expect(shadowed.set).toMatchObject({
          active: { version: "c1", trafficPercent: 100 },
          canary: null,
          shadows: [{ version: "c2" }],
        });
      });

      it("rolls back through the activation history like a stack, clearing any canary", async () => {
        await registerAll("v1", "v2", "v3", "c1");
        expect(await codeOf(registry.rollback("a"))).toBe("MODEL_NO_ROLLBACK_TARGET");
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        expect(await codeOf(registry.rollback("a"))).toBe("MODEL_NO_ROLLBACK_TARGET");
        await registry.deploy("v2", { strategy: "full", actor: "a" });
        await registry.deploy("v3", { strategy: "full", actor: "a" });
        await registry.deploy("c1", { strategy: "canary", trafficPercent: 10, actor: "a" });
        expect(await codeOf(registry.rollback("a", { fromVersion: "v2" }))).toBe("MODEL_STATE_CONFLICT");
        const back = await registry.rollback("ops", { fromVersion: "v3" });
        expect(back.deployment).toMatchObject({
          version: "v2",
          action: "rollback",
          trafficPercent: 100,
          previousActive: "v3",
          actor: "ops",
        });
        expect(back.set).toMatchObject({ active: { version: "v2", trafficPercent: 100 }, canary: null });
        expect(await statuses()).toEqual({
          v1: ["inactive", 0],
          v2: ["active", 100],
          v3: ["inactive", 0],
          c1: ["inactive", 0],
        });
        // a retried request names the version it meant to roll back: it cannot go back twice
        expect(await codeOf(registry.rollback("ops", { fromVersion: "v3" }))).toBe("MODEL_STATE_CONFLICT");
        expect((await registry.rollback("ops")).set.active?.version).toBe("v1");
        expect(await codeOf(registry.rollback("ops"))).toBe("MODEL_NO_ROLLBACK_TARGET");
        // a new deploy starts from where we are: v1 → v3, rollback → v1
        await registry.deploy("v3", { strategy: "full", actor: "a" });
        expect((await registry.rollback("ops")).set.active?.version).toBe("v1");
      });

      it("refuses to roll back to a retired version", async () => {
        await registerAll("v1", "v2");
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        await registry.deploy("v2", { strategy: "full", actor: "a" });
        await registry.retire("v1", "a");
        await expect(registry.rollback("a")).rejects.toMatchObject({
          code: "MODEL_NO_ROLLBACK_TARGET",
          details: { active: "v2", target: "v1" },
        });
      });

      it("retires anything but the active model; a retired version cannot be deployed", async () => {
        await registerAll("v1", "c1", "s1", "old");
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        await registry.deploy("c1", { strategy: "canary", trafficPercent: 25, actor: "a" });
        await registry.deploy("s1", { strategy: "shadow", actor: "a" });
        expect(await codeOf(registry.retire("v1", "a"))).toBe("MODEL_STATE_CONFLICT");
        const retired = await registry.retire("c1", "a");
        expect(retired.deployment).toMatchObject({ action: "retire", version: "c1", previousActive: "v1" });
        expect(retired.set).toMatchObject({ active: { trafficPercent: 100 }, canary: null });
        await registry.retire("s1", "a");
        await registry.retire("old", "a");
        expect((await registry.retire("old", "a")).changed).toBe(false);
        expect((await registry.activeSet()).shadows).toEqual([]);
        expect(await codeOf(registry.deploy("old", { strategy: "shadow", actor: "a" }))).toBe(
          "MODEL_STATE_CONFLICT",
        );
        expect(await codeOf(registry.deploy("nope", { strategy: "full", actor: "a" }))).toBe(
          "MODEL_NOT_FOUND",
        );
        expect(await codeOf(registry.retire("nope", "a"))).toBe("MODEL_NOT_FOUND");
      });

      it("serialises concurrent changes: two canaries requested at once, exactly one wins", async () => {
        await registerAll("v1", "c1", "c2");
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        const outcomes = await Promise.all([
          codeOf(registry.deploy("c1", { strategy: "canary", trafficPercent: 10, actor: "a" })),
          codeOf(registry.deploy("c2", { strategy: "canary", trafficPercent: 10, actor: "b" })),
        ]);
        expect(outcomes.sort()).toEqual(["MODEL_STATE_CONFLICT", "resolved"]);
        expect((await registry.activeSet()).active?.trafficPercent).toBe(90);
      });

      it("moves the revision exactly when the set changes, and keeps the history newest first", async () => {
        await registerAll("v1", "v2");
        const r0 = (await registry.activeSet()).revision;
        await registry.register(modelInput("v3"));
        expect((await registry.activeSet()).revision).toBe(r0);
        await registry.deploy("v1", { strategy: "full", actor: "a" });
        const r1 = (await registry.activeSet()).revision;
        await registry.deploy("v2", { strategy: "shadow", actor: "a" });
        const r2 = (await registry.activeSet()).revision;
        expect(new Set([r0, r1, r2]).size).toBe(3);
        await registry.retire("v2", "a");
        expect((await registry.activeSet()).revision).toBe(r1);
        const history = await registry.history({ limit: 3 });
        expect(history.map((row) => [row.action, row.version])).toEqual([
          ["retire", "v2"],
          ["deploy", "v2"],
          ["deploy", "v1"],
        ]);
        expect((await registry.history({ limit: 10, version: "v1" })).map((row) => row.action)).toEqual([
          "deploy",
          "register",
        ]);
        expect(await codeOf(registry.history({ limit: 0 }))).toBe("VALIDATION_ERROR");
      });
    });

    describe("compareVersions", () => {
      const at = (minute: number) => new Date(Date.parse("2025-05-01T00:00:00Z") + minute * 60_000);

      it("compares counts, anomaly rates, score quantiles, reviewed false positives and agreement in SQL", async () => {
        // Ten transactions i = 0..9, scored by "a" (served) and "b" (shadow) at minute i; b scores only 0..7.
        //   a: score (i + 1) / 10 = 0.1 .. 1.0, anomalous for i = 7, 8, 9          → rate 3 / 10
        //   b: score (i + 1) · 0.05 = 0.05 .. 0.40, anomalous for i = 0 and i = 7   → rate 2 / 8
        const hashes = Array.from({ length: 10 }, () => randomHash());
        const a = hashes.map((hash, i) =>
          scoredRecord({
            hash,
            modelVersion: "a",
            anomalyScore: (i + 1) / 10,
            isAnomaly: i >= 7,
            severity: i >= 7 ? "high" : "low",
            scoredAt: at(i),
          }),
        );
        const b = hashes.slice(0, 8).map((hash, i) => ({
          ...scoredRecord({
            hash,
            modelVersion: "b",
            anomalyScore: (i + 1) * 0.05,
            isAnomaly: i === 0 || i === 7,
            severity: i === 0 || i === 7 ? "critical" : "low",
            scoredAt: at(i),
          }),
          served: false,
        }));
        // outside the window: ignored
        const late = scoredRecord({ modelVersion: "a", isAnomaly: true, severity: "high", scoredAt: at(60) });
        await repos.recordScored([...a, ...b, late]);
        // Analysts reviewed a's anomalies at i = 7 (false positive) and 8 (true); the verdict on i = 7 is
        // about the transaction, so it also counts for b, which flagged it too.
        const { items } = await repos.listAnomalies({ limit: 10 });
        const review = async (i: number, falsePositive: boolean) => {
          const item = items.find((anomaly) => anomaly.txHash === hashes[i] && anomaly.modelVersion === "a");
          await repos.reviewAnomaly(item?.id ?? "", { falsePositive, reviewedBy: "analyst" });
        };
        await review(7, true);
        await review(8, false);

        const comparison = await registry.compareVersions("a", "b", { since: at(0), until: at(10) });
        // a's scores 0.1..1.0: percentile_cont at position q·(n-1) = 4.5, 8.1, 8.91 →
        //   p50 = 0.5 + 0.5·0.1 = 0.55, p90 = 0.9 + 0.1·0.1 = 0.91, p99 = 0.9 + 0.91·0.1 = 0.991
        // b's 0.05..0.40: positions 3.5, 6.3, 6.93 → 0.20 + 0.5·0.05 = 0.225, 0.35 + 0.3·0.05 = 0.365,
        //   0.35 + 0.93·0.05 = 0.3965
        const [first, second] = comparison.versions;
        expect(first).toMatchObject({ version: "a", predictions: 10, anomalies: 3, anomalyRate: 0.3 });
        expect(first.reviewed).toBe(2);
        expect(first.falsePositives).toBe(1);
        expect(first.falsePositiveRate).toBe(0.5);
        expect(first.scoreQuantiles?.p50).toBeCloseTo(0.55, 12);
        expect(first.scoreQuantiles?.p90).toBeCloseTo(0.91, 12);
        expect(first.scoreQuantiles?.p99).toBeCloseTo(0.991, 12);
        expect(second).toMatchObject({ version: "b", predictions: 8, anomalies: 2, anomalyRate: 0.25 });
        expect(second).toMatchObject({ reviewed: 1, falsePositives: 1, falsePositiveRate: 1 });
        expect(second.scoreQuantiles?.p50).toBeCloseTo(0.225, 12);
        expect(second.scoreQuantiles?.p90).toBeCloseTo(0.365, 12);
        expect(second.scoreQuantiles?.p99).toBeCloseTo(0.3965, 12);
        // Scored by both: i = 0..7. Both anomalous: 7. Both normal: 1..6. Only b: 0. Only a: none.
        expect(comparison.agreement).toEqual({
          scoredByBoth: 8,
          bothAnomalous: 1,
          bothNormal: 6,
          onlyFirstAnomalous: 0,
          onlySecondAnomalous: 1,
          agreementRate: 7 / 8,
        });
        expect(comparison.since).toBe(at(0).toISOString());
        // order follows the request
        const swapped = await registry.compareVersions("b", "a", { since: at(0), until: at(10) });
        expect(swapped.versions.map((version) => version.version)).toEqual(["b", "a"]);
        expect(swapped.agreement.onlyFirstAnomalous).toBe(1);
      });

      it("answers nulls, not NaN, for a version with nothing in the window, and validates input", async () => {
        const empty = await registry.compareVersions("x", "y", { since: at(0), until: at(1) });
        expect(empty.versions[0]).toEqual({
          version: "x",
          predictions: 0,
          anomalies: 0,
          anomalyRate: null,
          scoreQuantiles: null,
          reviewed: 0,
          falsePositives: 0,
          falsePositiveRate: null,
        });
        expect(empty.agreement.agreementRate).toBeNull();
        expect(await codeOf(registry.compareVersions("x", "x", { since: at(0), until: at(1) }))).toBe(
          "VALIDATION_ERROR",
        );
        expect(await codeOf(registry.compareVersions("x", "y", { since: at(1), until: at(0) }))).toBe(
          "VALIDATION_ERROR",
        );
      });
    });
  });
}
