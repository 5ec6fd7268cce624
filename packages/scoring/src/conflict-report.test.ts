import { Writable } from "node:stream";
import { createMetricsRegistry, createScoringMetrics } from "@chainwatch/metrics";
import { createLogger } from "@chainwatch/service-kit";
import type { TransactionConflict } from "@chainwatch/store";
import { describe, expect, it } from "vitest";
import { reportContentConflicts } from "./conflict-report.ts";

const conflict = (id: string, origin: TransactionConflict["origin"]): TransactionConflict => ({
  id,
  hash: `0x${"ab".repeat(32)}`,
  previousFingerprint: "b".repeat(43),
  fingerprint: "w".repeat(43),
  modelVersion: "iforest-1.0.0",
  origin,
  detectedAt: "2025-05-01T11:00:00.000Z",
});

describe("reportContentConflicts", () => {
  it("counts each conflict by source and warns with its fields", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ name: "t", level: "info", destination });
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    const metrics = createScoringMetrics(registry);
    reportContentConflicts(
      [
        conflict("1", { source: "stream", requestId: "req-1" }),
        conflict("2", { source: "stream", requestId: null }),
        conflict("3", null),
      ],
      { logger, metrics },
    );
    reportContentConflicts(undefined, { logger, metrics });
    const text = await registry.metrics();
    expect(text).toContain('transaction_content_conflicts_total{source="stream"} 2');
    expect(text).toContain('transaction_content_conflicts_total{source="unknown"} 1');
    const [first] = lines.map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(first).toMatchObject({
      level: 40,
      conflictId: "1",
      hash: `0x${"ab".repeat(32)}`,
      previousFingerprint: "b".repeat(43),
      fingerprint: "w".repeat(43),
      source: "stream",
      requestId: "req-1",
      principal: null,
    });
  });
});
