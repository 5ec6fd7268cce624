import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../testing/persistence-suite.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface Reason {
  kind: string;
  code: string;
  message: string;
  surprise: number;
  data: Record<string, unknown>;
}
interface Verdict {
  hash: string;
  isAnomaly: boolean;
  riskScore: number;
  riskLevel: string;
  reasons: Reason[];
}

const SENDER = `0x${"5".repeat(40)}`;
const hash = (n: number) => `0x${(0xc0ffee00 + n).toString(16).padStart(64, "0")}`;
const recipient = (n: number) => `0x${(0xbeef00 + n).toString(16).padStart(40, "0")}`;
const T0 = 1_714_564_800;

/**
 * The verdict in context, end to end through the embedded gateway: a sender that transacted about once
 * every six hours for five days (0.1 ETH to the same recipient) suddenly sends ten transactions to ten
 * new addresses within a minute, then 500 ETH. Expected codes are written out; their evidence comes from
 * the address state, not from the model, which scores every one of these transfers as ordinary.
 */
describe("the combined verdict (embedded gateway, in-process address state)", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway({ DB_WRITE_FLUSH_INTERVAL_MS: "20" });
  });
  afterAll(() => app.stop());

  const transfer = (n: number, overrides: Record<string, unknown>) => ({
    hash: hash(n),
    from: SENDER,
    value: "0.1",
    gas: 21_000,
    gasPrice: 20,
    input: "0x",
    ...overrides,
  });

  it("flags a quiet sender's burst and its outsized transfer, with reasons, and stores what it served", async () => {
    const history = Array.from({ length: 20 }, (_, i) =>
      transfer(i, { to: recipient(0), timestamp: T0 + i * 21_600 }),
    );
    const quiet = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: history },
    });
    expect(quiet.status).toBe(200);
    const quietResults = (quiet.json as { results: Verdict[] }).results;
    expect(quietResults.filter((result) => result.isAnomaly)).toEqual([]);
    expect(quietResults[0]?.reasons.map((reason) => reason.code)).toContain("first_seen_sender");

    const start = T0 + 20 * 21_600;
    const burst = Array.from({ length: 10 }, (_, i) =>
      transfer(100 + i, { to: recipient(100 + i), timestamp: start + i * 6 }),
    );
    const response = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: burst },
    });
    const results = (response.json as { results: Verdict[] }).results;
    const last = results.at(-1) as Verdict;
    expect(last.isAnomaly).toBe(true);
    expect(last.riskLevel).toMatch(/^(high|critical)$/);
    // The 8th (decayed count 7.73 against 0.6 expected: 4.21 decades, the critical band) opens an incident
    // on the sender: every transaction of the burst carries it first, then its own reasons.
    expect(last.reasons[0]?.code).toBe("part_of_incident");
    expect(
      last.reasons
        .map((reason) => reason.code)
        .slice(1, 3)
        .sort(),
    ).toEqual(["sender_burst", "sender_fan_out"]);
    expect(last.reasons.find((reason) => reason.code === "sender_burst")?.message).toMatch(
      /^10 transactions from this sender in about 10 minutes; its usual rate is [\d.]+\/h$/,
    );
    // The first of the burst was ordinary when it happened (no burst reason of its own), but it is part of
    // the incident the 8th opened in the same batch, so it is flagged with it: inc_ + the first 16 hex
    // digits of the 8th's hash (all zeros here).
    expect(results[0]?.isAnomaly).toBe(true);
    expect(results[0]?.reasons[0]?.data.incidentId).toBe("inc_0000000000000000");
    expect(results[0]?.reasons[0]?.data.triggerHash).toBe(hash(107));
    expect(results[0]?.reasons.some((reason) => reason.code === "sender_burst" && reason.surprise >= 1)).toBe(
      false,
    );

    const whale = await app.send("/api/v1/predict", {
      method: "POST",
      body: transfer(200, { to: recipient(0), value: "500", timestamp: start + 7_200 }),
    });
    const verdict = whale.json as Verdict;
    expect(verdict.isAnomaly).toBe(true);
    expect(verdict.reasons[0]?.code).toBe("value_above_sender_history");
    expect(verdict.reasons[0]?.message).toMatch(
      /^value 5,000× this sender's typical 0.1 ETH \(over 30 earlier amounts\)$/,
    );

    const stored = await waitFor(async () => {
      const lookup = await app.send(`/api/v1/transactions/${hash(200)}`);
      const body = lookup.json as {
        latestPrediction: (Verdict & { features: Record<string, number> | null }) | null;
      } | null;
      return lookup.status === 200 && body?.latestPrediction ? body.latestPrediction : undefined;
    });
    expect(stored.riskScore).toBeCloseTo(verdict.riskScore, 12);
    expect(stored.reasons).toEqual(verdict.reasons);
    expect(stored.features?.ctx_sender_known).toBe(1);
    expect(stored.features?.ctx_sender_out_count_log10).toBeCloseTo(Math.log10(31), 12);
  });
});
