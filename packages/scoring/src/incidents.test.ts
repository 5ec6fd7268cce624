import { createCache, createMemoryStore } from "@chainwatch/cache";
import { createContextScorer, createMemoryStateStore } from "@chainwatch/context";
import { loadDefaultModel } from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import {
  type CorrectedPrediction,
  createPgliteDatabase,
  createRepositories,
  type Database,
  type Repositories,
  runMigrations,
} from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticModelProvider } from "./model-provider.ts";
import { createScoringService } from "./scoring-service.ts";
import { createTransactionPipeline, type PipelineItem } from "./transaction-pipeline.ts";

const DAY = 86_400;
const T0 = 1_750_000_000;
const SENDER = `0x${"5".repeat(40)}`;
/** The number in the leading digits, which an incident id keeps (inc_ + the trigger hash's first 16). */
const hashOf = (n: number) => `0x${n.toString(16).padStart(4, "0")}${"0".repeat(60)}`;
const recipient = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
/** An ordinary 0.1 ETH payment from SENDER to a recipient it never paid. */
const payment = (n: number, timestamp: number, from = SENDER) => ({
  hash: hashOf(n),
  from,
  to: recipient(n),
  value: 0.1,
  gas: 21_000,
  gasPrice: 25,
  timestamp,
});
const items = (payloads: unknown[]): PipelineItem<number>[] =>
  payloads.map((payload, ref) => ({ ref, payload }));

/** The shipped model with in-process address state and cache: the embedded gateway's scoring. */
const scoringWithContext = () =>
  createScoringService({
    models: staticModelProvider(loadDefaultModel()),
    cache: createCache({ store: createMemoryStore(), logger: createLogger({ name: "t", level: "silent" }) }),
    context: createContextScorer({ store: createMemoryStateStore() }),
  });

describe("incidents through the pipeline (PGlite)", () => {
  let database: Database;
  let repositories: Repositories;
  beforeAll(async () => {
    database = await createPgliteDatabase();
    await runMigrations(database);
    repositories = createRepositories(database);
  });
  afterAll(async () => {
    await database.close();
  });

  it("flags a quiet sender's whole burst, the first transactions retroactively and once", async () => {
    const scoring = scoringWithContext();
    const corrections: CorrectedPrediction[][] = [];
    const pipeline = createTransactionPipeline({
      scoring,
      recordScored: repositories.recordScored,
      applyIncidentCorrections: repositories.applyIncidentCorrections,
      onIncidentsCorrected: (corrected) => {
        corrections.push(corrected);
      },
    });
    // History: one payment a day for three days, each its own episode (largest burst 1).
    await pipeline.process(items([payment(1, T0), payment(2, T0 + DAY), payment(3, T0 + 2 * DAY)]));
    // Then twelve payments to new recipients, one a block (12 s), in batches of four. Expected count
    // μ = 0.6 × its largest burst (1) = 0.6. The j-th payment's decayed count is Σ e^(−12i/600), i < j;
    // countSurprise of it against 0.6 (Chernoff, shape 6): j = 4 → 1.42, j = 7 → 3.33, j = 8 → 4.01
    // decades. Burst and fan-out are equal here. So the 8th (n = 11, hash 0x000b…) is the first to reach 3.9:
    // it names the 1st–7th back (the 1st–4th stored by the batch before), and the 9th–12th join forward.
    const burst = Array.from({ length: 12 }, (_, j) => payment(4 + j, T0 + 3 * DAY + 12 * j));
    const first = await pipeline.process(items(burst.slice(0, 4)));
    expect(first.scored.map((item) => item.result.isAnomaly)).toEqual([false, false, false, false]);
    await pipeline.process(items(burst.slice(4, 8)));
    await pipeline.process(items(burst.slice(8, 12)));

    const stored = await repositories.lookupTransactions(burst.map((tx) => tx.hash));
    const byHash = new Map(stored.map((view) => [view.hash, view.latestPrediction]));
    for (const tx of burst) {
      const prediction = byHash.get(tx.hash);
      expect(prediction?.isAnomaly).toBe(true);
      expect(prediction?.riskScore).toBeGreaterThanOrEqual(0.6);
      const incident = ((prediction?.reasons ?? []) as { code: string; data: { incidentId: string } }[]).find(
        (reason) => reason.code === "part_of_incident",
      );
      expect(incident?.data.incidentId).toBe("inc_000b000000000000");
    }
    // One correction, of the first batch's four, none of which the verdict had flagged.
    expect(corrections.map((rows) => rows.map((row) => row.hash).sort())).toEqual([
      burst.slice(0, 4).map((tx) => tx.hash),
    ]);
    expect(corrections[0]?.every((row) => !row.wasAnomaly && row.isAnomaly)).toBe(true);
    // History stays as it was: more than 30 minutes before the burst.
    const history = await repositories.lookupTransactions([hashOf(3)]);
    expect(history[0]?.latestPrediction?.isAnomaly).toBe(false);

    // The trigger's batch delivered again (a Kafka redelivery): nothing is corrected a second time.
    await pipeline.process(items(burst.slice(4, 8)));
    expect(corrections.length).toBe(1);
  });

  it("keeps a correction pending until its publication is acknowledged; a redelivered trigger finds it", async () => {
    const sender = `0x${"6".repeat(40)}`;
    const scoring = scoringWithContext();
    const pipeline = createTransactionPipeline({
      scoring,
      recordScored: repositories.recordScored,
      applyIncidentCorrections: (corrections) =>
        repositories.applyIncidentCorrections(corrections, { pendingPublication: true }),
      pendingIncidentCorrections: repositories.pendingIncidentCorrections,
    });
    // The burst of the test above, from another sender: 0x0104…–0x010f…, the trigger 0x010b… in the
    // second batch names the first batch's four.
    await pipeline.process(
      items([
        payment(0x101, T0, sender),
        payment(0x102, T0 + DAY, sender),
        payment(0x103, T0 + 2 * DAY, sender),
      ]),
    );
    const burst = Array.from({ length: 12 }, (_, j) => payment(0x104 + j, T0 + 3 * DAY + 12 * j, sender));
    await pipeline.process(items(burst.slice(0, 4)));
    const trigger = await pipeline.process(items(burst.slice(4, 8)));
    const firstFour = [hashOf(0x104), hashOf(0x105), hashOf(0x106), hashOf(0x107)];
    expect(trigger.corrected.map((row) => row.hash).sort()).toEqual(firstFour);
    // The worker died before publishing: the same batch again gives the same corrections back.
    const redelivered = await pipeline.process(items(burst.slice(4, 8)));
    expect(redelivered.corrected.map((row) => row.hash).sort()).toEqual(firstFour);
    expect(redelivered.corrected.map((row) => row.incidentId)).toEqual(Array(4).fill("inc_010b000000000000"));
    expect(redelivered.corrected.every((row) => row.isAnomaly && !row.wasAnomaly)).toBe(true);
    expect(redelivered.corrected[0]?.transaction.from).toBe(sender);
    // Published and acknowledged: a later redelivery finds nothing pending.
    const acknowledged = await repositories.acknowledgeIncidentCorrections(
      redelivered.corrected.map(({ hash, modelVersion, incidentId }) => ({ hash, modelVersion, incidentId })),
    );
    expect(acknowledged).toBe(4);
    expect((await pipeline.process(items(burst.slice(4, 8)))).corrected).toEqual([]);
  });
});
