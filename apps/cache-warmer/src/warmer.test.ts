import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCache, createMemoryStore, predictionCacheId } from "@chainwatch/cache";
import { createMetricsRegistry, createWarmerMetrics } from "@chainwatch/metrics";
import { contentFingerprint, loadDefaultModel, normalizeTransaction } from "@chainwatch/model";
import { createScoringService, MODEL_ONLY_SUFFIX, staticModelProvider } from "@chainwatch/scoring";
import { createLogger } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { readJsonlBatches } from "./jsonl-batches.ts";
import { createWarmer } from "./warmer.ts";

const transaction = (index: number) => ({
  hash: `0x${index.toString(16).padStart(64, "0")}`,
  value: 0.5 + index,
  gas: 21_000,
  gasPrice: 25,
});

function writeJsonl(lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "warmer-")), "input.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("cache warmer", () => {
  it("streams a JSON Lines file in batches, keeping line numbers and marking unparsable lines", async () => {
    const path = writeJsonl([
      JSON.stringify(transaction(1)),
      "",
      "{not json",
      JSON.stringify(transaction(2)),
    ]);
    const batches = [];
    for await (const batch of readJsonlBatches(path, 2)) batches.push(batch);
    expect(batches.map((batch) => batch.length)).toEqual([2, 1]);
    expect(batches[0]?.[1]).toMatchObject({ lineNumber: 3, parseError: expect.any(String) });
    expect(batches[1]?.[0]?.lineNumber).toBe(4);
  });

  it("warms the model and every valid transaction's prediction, counting invalid lines", async () => {
    const scorer = loadDefaultModel();
    const cache = createCache({
      store: createMemoryStore(),
      logger: createLogger({ name: "t", level: "silent" }),
    });
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    const warmer = createWarmer({
      scoring: createScoringService({ models: staticModelProvider(scorer), cache }),
      cache,
      metrics: createWarmerMetrics(registry),
      logger: createLogger({ name: "t", level: "silent" }),
      concurrency: 3,
      activeModel: () => ({ version: scorer.modelVersion, fileJson: '{"model":true}' }),
    });
    const lines = Array.from({ length: 95 }, (_, index) => JSON.stringify(transaction(index)));
    lines.push("{broken", JSON.stringify({ hash: "0x1", value: -5 }));
    const report = await warmer.run(readJsonlBatches(writeJsonl(lines), 10));
    expect(report).toMatchObject({ modelWarmed: true, warmed: 95, alreadyCached: 0, invalid: 2, failed: 0 });

    const ids = Array.from({ length: 95 }, (_, index) => {
      const tx = normalizeTransaction(transaction(index));
      // the warmer scores without address context: model-only verdicts, under their own ids
      return predictionCacheId(`${scorer.modelVersion}${MODEL_ONLY_SUFFIX}`, tx.hash, contentFingerprint(tx));
    });
    const cached = await cache.batchGet("prediction", ids);
    expect(cached.every((value) => value !== undefined)).toBe(true);
    expect(await cache.get("model", "active")).toBe(scorer.modelVersion);
    expect(await cache.get("model", scorer.modelVersion)).toBe('{"model":true}');

    const again = await warmer.run(readJsonlBatches(writeJsonl(lines), 10));
    expect(again).toMatchObject({ warmed: 0, alreadyCached: 95, invalid: 2 });
    const text = await registry.metrics();
    expect(text).toContain('cache_warm_transactions_total{outcome="warmed"} 190');
    expect(text).toContain('cache_warm_runs_total{status="succeeded"} 2');
  });
});
