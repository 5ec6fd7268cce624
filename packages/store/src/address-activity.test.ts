import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./database.ts";
import { runMigrations } from "./migrations/index.ts";
import { createPgliteDatabase } from "./pglite-database.ts";
import { createRepositories, type Repositories } from "./repositories/index.ts";
import { fixtureFingerprint, scoredRecord } from "./testing/fixtures.ts";

const WATCHED = `0x${"ab".repeat(20)}`;
const OTHER = `0x${"cd".repeat(20)}`;
const hashOf = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

/** A scored record from `from` to `to`, first seen `minute` minutes after a fixed instant. */
function transfer(n: number, from: string, to: string | null, severity: "low" | "critical", minute: number) {
  const record = scoredRecord({ hash: hashOf(n), severity, to });
  record.transaction.from = from;
  return {
    ...record,
    contentFingerprint: fixtureFingerprint(record.transaction),
    scoredAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
  };
}

describe("addressActivity on PGlite", () => {
  let db: Database;
  let repos: Repositories;

  beforeAll(async () => {
    db = await createPgliteDatabase();
    await runMigrations(db);
    repos = createRepositories(db);
    await repos.recordScored([
      transfer(1, WATCHED, OTHER, "low", 1),
      transfer(2, OTHER, WATCHED, "critical", 2),
      transfer(3, WATCHED, WATCHED, "low", 3),
      transfer(4, OTHER, OTHER, "critical", 4),
      transfer(5, OTHER, WATCHED.toUpperCase().replace("0X", "0x"), "critical", 5),
    ]);
    // first_seen_at is the store's clock: spread it so the order is the test's, not the insert's.
    for (const n of [1, 2, 3, 4, 5])
      await db.query("UPDATE transactions SET first_seen_at = $2 WHERE hash = $1", [
        hashOf(n),
        new Date(Date.UTC(2026, 0, 1, 0, n)),
      ]);
  });

  afterAll(async () => {
    await db.close();
  });

  it("lists the address's scored transactions newest first with its role, and counts its anomalies", async () => {
    const activity = await repos.addressActivity(WATCHED.toUpperCase().replace("0X", "0x"), { limit: 20 });
    expect(activity.anomalyCount).toBe(2);
    expect(
      activity.transactions.map(({ hash, role, riskLevel, isAnomaly }) => ({
        hash,
        role,
        riskLevel,
        isAnomaly,
      })),
    ).toEqual([
      { hash: hashOf(5), role: "to", riskLevel: "critical", isAnomaly: true },
      { hash: hashOf(3), role: "self", riskLevel: "low", isAnomaly: false },
      { hash: hashOf(2), role: "to", riskLevel: "critical", isAnomaly: true },
      { hash: hashOf(1), role: "from", riskLevel: "low", isAnomaly: false },
    ]);
    expect(activity.transactions[0]).toEqual({
      hash: hashOf(5),
      role: "to",
      riskScore: 0.7,
      riskLevel: "critical",
      isAnomaly: true,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("honours the limit across both sides", async () => {
    const activity = await repos.addressActivity(WATCHED, { limit: 2 });
    expect(activity.transactions.map((tx) => tx.hash)).toEqual([hashOf(5), hashOf(3)]);
  });

  it("answers an unknown address with nothing", async () => {
    expect(await repos.addressActivity(`0x${"ee".repeat(20)}`, { limit: 20 })).toEqual({
      transactions: [],
      anomalyCount: 0,
    });
  });

  it("refuses a malformed address and an out-of-range limit", async () => {
    await expect(repos.addressActivity("0x123", { limit: 20 })).rejects.toThrow(/invalid address/);
    await expect(repos.addressActivity(WATCHED, { limit: 0 })).rejects.toThrow(/limit/);
    await expect(repos.addressActivity(WATCHED, { limit: 101 })).rejects.toThrow(/limit/);
  });
});
