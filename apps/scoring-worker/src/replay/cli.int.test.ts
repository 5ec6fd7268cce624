import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeTransactionMessage } from "@chainwatch/kafka";
import { retryTransient, waitForTopicLeaders } from "@chainwatch/kafka/testing";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type KafkaHarness, kafkaHarness, transaction } from "../testing/stream-fixtures.ts";

const cliPath = fileURLToPath(new URL("../cli.ts", import.meta.url));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

await describeWithServices("chainwatch replay (real Kafka)", ["kafka"], () => {
  let harness: KafkaHarness;
  const topic = uniqueName("cw_replay");

  beforeAll(() => {
    harness = kafkaHarness();
  });
  afterAll(async () => {
    await harness.admin.deleteTopics([topic]).catch(() => {});
    await harness.close();
  });

  it("publishes a JSON Lines file to the input topic (created if missing) with progress and a summary", async () => {
    const transactions = Array.from({ length: 1_200 }, (_, index) => transaction(index));
    const lines = transactions.map((tx) => JSON.stringify(tx));
    lines.splice(10, 0, "{not json", JSON.stringify({ hash: "0x12" }));
    const input = join(mkdtempSync(join(tmpdir(), "cw-replay-")), "txs.jsonl");
    writeFileSync(input, `${lines.join("\n")}\n`);

    const result = await runCli([
      "replay",
      "--input",
      input,
      "--brokers",
      serviceUrls.kafkaBrokers.join(","),
      "--topic",
      topic,
      "--rate",
      "5000",
      "--partitions",
      "3",
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/replay: 1200 published, 2 skipped/);
    expect(result.stderr).toContain("line 11:");
    const summary = JSON.parse(result.stdout.trim()) as Record<string, unknown>;
    expect(summary).toMatchObject({ topic, published: 1_200, skipped: 2, isComplete: true });
    // --rate 5000 for 1200 messages takes about 240 ms at least.
    expect(Number(summary.elapsedMs)).toBeGreaterThanOrEqual(200);

    // Created by the CLI: wait until every partition is led and serving before reading offsets.
    await waitForTopicLeaders(harness.kafka, [topic]);
    const offsets = await retryTransient("replay topic offsets", () => harness.admin.topicOffsets(topic));
    expect(offsets.map((partition) => partition.partition)).toEqual([0, 1, 2]);
    // Every hash at least once (a produce retried under load may add copies, never gaps).
    const read = await harness.readTopic(
      topic,
      (messages) => new Set(messages.map((message) => String(message.key))).size >= 1_200,
    );
    const hashes = read.map((message) => {
      const decoded = decodeTransactionMessage(message.value);
      if (!decoded.ok) throw new Error(decoded.error);
      return decoded.message.transaction.hash;
    });
    expect(new Set(hashes)).toEqual(new Set(transactions.map((tx) => tx.hash)));
  });

  it("exits 2 with the usage on bad arguments", async () => {
    const result = await runCli(["replay", "--rate", "fast"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: chainwatch replay");
  });
});
