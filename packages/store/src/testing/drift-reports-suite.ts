import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import {
  createDriftReports,
  type DriftReportInput,
  type DriftReports,
} from "../repositories/drift-reports.ts";

const input = (overrides: Partial<DriftReportInput> = {}): DriftReportInput => ({
  modelVersion: "if-aaa",
  trigger: "api",
  requestedBy: "user:1",
  windowSince: new Date("2026-11-27T10:00:00Z"),
  windowUntil: new Date("2026-11-27T11:00:00Z"),
  recentRows: 1_200,
  severity: "none",
  maxPsi: 0.01,
  driftedFeatures: [],
  insufficientData: false,
  report: { features: [{ feature: "gas_price_log10_wei", psi: 0.01, ksPValue: 0.4 }] },
  ...overrides,
});

/** Drift report history against every driver (PGlite in unit tests, PostgreSQL in integration). */
export function defineDriftReportsSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let reports: DriftReports;

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      reports = createDriftReports(db);
    });
    afterAll(async () => {
      await db.close();
    });
    beforeEach(async () => {
      await db.query("TRUNCATE drift_reports");
    });

    it("records a report and reads it back whole, newest first", async () => {
      const first = await reports.record(input());
      const second = await reports.record(
        input({
          severity: "high",
          maxPsi: 1.7,
          driftedFeatures: ["gas_price_log10_wei"],
          report: { features: [{ feature: "gas_price_log10_wei", psi: 1.7 }], nested: { ok: true } },
        }),
      );
      expect(first).toMatchObject({
        modelVersion: "if-aaa",
        trigger: "api",
        recentRows: 1_200,
        severity: "none",
        windowSince: "2026-11-27T10:00:00.000Z",
        windowUntil: "2026-11-27T11:00:00.000Z",
        driftedFeatures: [],
      });
      const listed = await reports.list({ limit: 10 });
      expect(listed.map((report) => report.id)).toEqual([second.id, first.id]);
      expect(listed[0]).toMatchObject({
        severity: "high",
        maxPsi: 1.7,
        driftedFeatures: ["gas_price_log10_wei"],
        report: { nested: { ok: true } },
      });
    });

    it("filters by model version and minimum severity, and bounds the page", async () => {
      await reports.record(input({ modelVersion: "if-aaa", severity: "low" }));
      await reports.record(input({ modelVersion: "if-aaa", severity: "critical" }));
      await reports.record(input({ modelVersion: "if-bbb", severity: "moderate" }));
      const moderateUp = await reports.list({ limit: 10, minSeverity: "moderate" });
      expect(moderateUp.map((report) => report.severity).sort()).toEqual(["critical", "moderate"]);
      const ofA = await reports.list({ limit: 10, modelVersion: "if-aaa" });
      expect(ofA.map((report) => report.severity).sort()).toEqual(["critical", "low"]);
      expect((await reports.list({ limit: 1 })).length).toBe(1);
      await expect(reports.list({ limit: 0 })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    });

    it("latest: per version and trigger", async () => {
      await reports.record(input({ trigger: "schedule", requestedBy: "scheduler" }));
      const api = await reports.record(input({ trigger: "api" }));
      expect((await reports.latest("if-aaa"))?.id).toBe(api.id);
      expect((await reports.latest("if-aaa", "schedule"))?.requestedBy).toBe("scheduler");
      expect(await reports.latest("if-zzz")).toBeNull();
    });

    it("stores an infinite PSI (an empty reference bin) instead of failing", async () => {
      const stored = await reports.record(
        input({ severity: "critical", maxPsi: Number.POSITIVE_INFINITY, report: { psi: Infinity } }),
      );
      expect(stored.maxPsi).toBe(Number.MAX_VALUE);
      expect(stored.report).toEqual({ psi: "Infinity" });
    });

    it("refuses malformed input with a validation error and stores nothing", async () => {
      const bad = [
        input({ modelVersion: "" }),
        input({ severity: "extreme" as never }),
        input({ trigger: "cron" as never }),
        input({ recentRows: -1 }),
        input({ windowSince: new Date("2026-11-28T00:00:00Z") }),
        input({ maxPsi: Number.NaN }),
      ];
      for (const report of bad) {
        await expect(reports.record(report)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
      }
      expect(await reports.list({ limit: 10 })).toEqual([]);
    });
  });
}
