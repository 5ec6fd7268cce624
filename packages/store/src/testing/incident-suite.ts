import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { createRepositories, type Repositories } from "../repositories/index.ts";
import { scoredRecord } from "./fixtures.ts";

const incidentReason = (incidentId: string) => ({
  kind: "context",
  code: "part_of_incident",
  message: `part of incident ${incidentId} on its sender`,
  surprise: 4.5,
  data: { incidentId, side: "sender", triggerHash: `0x${"f".repeat(64)}` },
});

/** Incident corrections of stored verdicts, run on PGlite (unit) and PostgreSQL (integration). */
export function defineIncidentSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let repos: Repositories;
    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      repos = createRepositories(db);
    });
    afterAll(async () => {
      await db.close();
    });

    it("flags a stored member once: the floor, the reason in front, its anomaly row and incident id", async () => {
      const quiet = scoredRecord({ severity: "low" });
      const flagged = scoredRecord({ severity: "critical" });
      await repos.recordScored([quiet, flagged]);
      const correction = (hash: string) => ({
        hash,
        incidentId: "inc_00000000000000aa",
        reason: incidentReason("inc_00000000000000aa"),
        riskScore: 0.63,
        riskLevel: "critical",
        isAnomaly: true,
      });
      const corrected = await repos.applyIncidentCorrections([
        correction(quiet.transaction.hash),
        correction(flagged.transaction.hash),
      ]);
      const byHash = new Map(corrected.map((row) => [row.hash, row]));
      // The quiet one (stored 0.2, low) takes the incident's 0.63 and level; the critical one keeps its 0.7.
      expect(byHash.get(quiet.transaction.hash)).toMatchObject({
        incidentId: "inc_00000000000000aa",
        isAnomaly: true,
        wasAnomaly: false,
        riskScore: 0.63,
        riskLevel: "critical",
      });
      expect(byHash.get(flagged.transaction.hash)).toMatchObject({
        isAnomaly: true,
        wasAnomaly: true,
        riskScore: 0.7,
        riskLevel: "critical",
      });
      const [view] = await repos.lookupTransactions([quiet.transaction.hash]);
      expect(view?.latestPrediction?.isAnomaly).toBe(true);
      expect(view?.latestPrediction?.riskScore).toBe(0.63);
      expect(
        ((view?.latestPrediction?.reasons ?? []) as { code: string }[]).map((reason) => reason.code),
      ).toEqual(["part_of_incident", "model_outlier"]);
      const { rows } = await db.query<{ incident_id: string | null; n: number }>(
        "SELECT incident_id, count(*)::int AS n FROM anomalies WHERE tx_hash = ANY($1) GROUP BY incident_id",
        [[quiet.transaction.hash, flagged.transaction.hash]],
      );
      expect(rows).toEqual([{ incident_id: "inc_00000000000000aa", n: 2 }]);

      // Delivered again (a redelivered batch): nothing changes, nothing is reported.
      expect(await repos.applyIncidentCorrections([correction(quiet.transaction.hash)])).toEqual([]);
      const [again] = await repos.lookupTransactions([quiet.transaction.hash]);
      expect(again?.latestPrediction?.reasons ?? []).toHaveLength(2);
    });

    it("skips a hash not stored yet and refuses a reason that names another incident", async () => {
      expect(
        await repos.applyIncidentCorrections([
          {
            hash: `0x${"e".repeat(64)}`,
            incidentId: "inc_1",
            reason: incidentReason("inc_1"),
            riskScore: 0.6,
            riskLevel: "critical",
            isAnomaly: true,
          },
        ]),
      ).toEqual([]);
      await expect(
        repos.applyIncidentCorrections([
          {
            hash: `0x${"e".repeat(64)}`,
            incidentId: "inc_1",
            reason: incidentReason("inc_2"),
            riskScore: 0.6,
            riskLevel: "critical",
            isAnomaly: true,
          },
        ]),
      ).rejects.toThrow("a correction's reason must name its incident");
    });
  });
}
