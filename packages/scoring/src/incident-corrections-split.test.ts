import { createCache, createMemoryStore } from "@chainwatch/cache";
import { loadDefaultModel } from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import {
  type CorrectedPrediction,
  type IncidentCorrectionInput,
  MAX_INCIDENT_CORRECTIONS,
  StoreValidationError,
} from "@chainwatch/store";
import { describe, expect, it } from "vitest";
import { staticModelProvider } from "./model-provider.ts";
import { createScoringService, type IncidentCorrection, type ScoringService } from "./scoring-service.ts";
import { createTransactionPipeline } from "./transaction-pipeline.ts";

const hashOf = (index: number) => `0x${index.toString(16).padStart(64, "0")}`;

/** The real service, with `count` incident corrections added to every batch's outcome. */
function withCorrections(count: number): ScoringService {
  const scoring = createScoringService({
    models: staticModelProvider(loadDefaultModel()),
    cache: createCache({ store: createMemoryStore(), logger: createLogger({ name: "t", level: "silent" }) }),
  });
  const corrections: IncidentCorrection[] = Array.from({ length: count }, (_, index) => ({
    hash: hashOf(1_000_000 + index),
    incidentId: "inc_0000000000000001",
    reason: {
      code: "part_of_incident",
      kind: "context",
      message: "part of an incident",
      surprise: 4,
      data: { incidentId: "inc_0000000000000001" },
    } as unknown as IncidentCorrection["reason"],
    riskScore: 0.7,
    riskLevel: "high",
    isAnomaly: true,
  }));
  return {
    ...scoring,
    scoreBatch: async (transactions) => ({
      ...(await scoring.scoreBatch(transactions)),
      incidentCorrections: corrections,
    }),
  };
}

describe("incident corrections", () => {
  it("applies more than the store's per-call limit in slices, every correction once, none refused", async () => {
    const calls: number[] = [];
    const applied = new Set<string>();
    const pipeline = createTransactionPipeline({
      scoring: withCorrections(2 * MAX_INCIDENT_CORRECTIONS + 1),
      recordScored: async (records) => ({
        transactions: records.length,
        predictions: records.length,
        anomalies: 0,
      }),
      // The store's contract: more than MAX_INCIDENT_CORRECTIONS in one call is refused.
      applyIncidentCorrections: async (corrections: IncidentCorrectionInput[]) => {
        calls.push(corrections.length);
        if (corrections.length > MAX_INCIDENT_CORRECTIONS)
          throw new StoreValidationError("at most 10000 corrections per call", { field: "corrections" });
        for (const correction of corrections) applied.add(correction.hash);
        return corrections.map((correction) => ({ hash: correction.hash }) as CorrectedPrediction);
      },
      storeRetry: { initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 3 },
    });
    const outcome = await pipeline.process([
      { ref: 0, payload: { hash: hashOf(1), value: 1, gas: 21_000, gasPrice: 25 } },
    ]);
    expect(calls).toEqual([10_000, 10_000, 1]);
    expect(applied.size).toBe(20_001);
    expect(outcome.scored).toHaveLength(1);
  });
});
