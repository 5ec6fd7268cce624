import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

/** Tagged Fake_Phishing4939 in two shipped files: phishing_scams.csv and etherscan_malicious_labels.csv. */
const SHIPPED_PHISHER = "0x00000000072d54638c2c2a3da3f715360269eea1";
const USER = `0x${"11".repeat(20)}`;

const loaded = (gateway: TestGateway) =>
  gateway
    .logLines()
    .filter((line) => line.msg === "loaded the shipped screening lists")
    .map((line) => ({ labels: line.labels, lists: (line.lists as string[]).length }));

interface Verdict {
  isAnomaly: boolean;
  riskLevel: string;
  reasons: { code: string; message: string; suppressed?: boolean }[];
}

describe("shipped screening lists loaded at start (SCREENING_SEED_SHIPPED_LISTS)", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase();
  });
  afterAll(async () => {
    await database.close();
  });

  it("a bare gateway screens against the shipped lists from its first transaction; a restart does not reload them", async () => {
    const first = await startTestGateway({ SCREENING_SEED_SHIPPED_LISTS: "true" }, { database });
    try {
      const response = await first.send("/api/v1/predict", {
        method: "POST",
        body: {
          hash: `0x${"a1".repeat(32)}`,
          from: USER,
          to: SHIPPED_PHISHER,
          value: "0.05",
          gas: 21_000,
          gasPrice: 20,
          timestamp: 1_714_564_800,
        },
      });
      expect(response.status).toBe(200);
      const verdict = response.json as Verdict;
      expect(verdict.isAnomaly).toBe(true);
      expect(["high", "critical"]).toContain(verdict.riskLevel);
      expect(
        verdict.reasons.filter((reason) => reason.code === "deny_listed").map((reason) => reason.message),
      ).toEqual([
        "the recipient is on deny list forta-etherscan-malicious (phishing; source etherscan-phish-hack-list)",
        "the recipient is on deny list forta-phishing-scams (phishing; source etherscan:phish-hack)",
      ]);
      expect(loaded(first)).toEqual([{ labels: 14_183, lists: 3 }]);
    } finally {
      await first.stop();
    }
    const { rows } = await database.query<{ labels: number }>(
      "SELECT count(*)::int AS labels FROM address_labels",
    );
    expect(rows[0]?.labels).toBe(14_183);

    const second = await startTestGateway({ SCREENING_SEED_SHIPPED_LISTS: "true" }, { database });
    try {
      expect(loaded(second)).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
