import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeTransactionMessage, type TopicMessages } from "@chainwatch/kafka";
import {
  normalizeTransaction,
  type RowOutcome,
  readTransactions,
  safeNormalizeTransaction,
} from "@chainwatch/model";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ReplayFailedError, replayFile, toRpcTransaction } from "./replay.ts";

const hash = (index: number) => `0x${index.toString(16).padStart(64, "0")}`;

function recordingPublisher() {
  const sent: TopicMessages[] = [];
  return {
    sent,
    publisher: {
      async publish(batches: readonly TopicMessages[]) {
        sent.push(...batches);
      },
    },
    messages: () => sent.flatMap((batch) => batch.messages),
  };
}

function fixture(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "cw-replay-")), name);
  writeFileSync(path, content);
  return path;
}

/** The rows of a file, read up front, so a test can replay them without file I/O (under fake timers). */
async function rowsOf(input: string): Promise<() => AsyncIterable<RowOutcome>> {
  const rows: RowOutcome[] = [];
  for await (const row of readTransactions(input)) rows.push(row);
  return async function* () {
    yield* rows;
  };
}

describe("replay", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("publishes valid JSON Lines rows as v1 messages keyed by sender (by hash without one) and skips invalid ones with their line", async () => {
    const lines = [
      JSON.stringify({
        hash: hash(1),
        value: 1.5,
        gas: 21_000,
        gasPrice: 30,
        from: "0xC0FFEE000000000000000000000000000000000A",
        to: `0x${"2".repeat(40)}`,
      }),
      "{broken",
      JSON.stringify({
        hash: hash(2),
        value: "0x1bc16d674ec80000",
        gas: "0x5208",
        gasPrice: "0x6fc23ac00",
        type: "0x2",
      }),
      "",
      JSON.stringify({ hash: "0x12", value: 1 }),
    ];
    const input = fixture("txs.jsonl", `${lines.join("\n")}\n`);
    const { publisher, sent, messages } = recordingPublisher();
    const summary = await replayFile({ input, topic: "in", publisher, batchSize: 10 });
    expect(summary).toMatchObject({ read: 4, published: 2, skipped: 2, isComplete: true });
    expect(summary.errors.map((error) => error.line)).toEqual([2, 5]);
    expect(sent.every((batch) => batch.topic === "in")).toBe(true);
    const decoded = messages().map((message) => decodeTransactionMessage(Buffer.from(message.value)));
    expect(decoded.every((result) => result.ok)).toBe(true);
    expect(messages().map((message) => message.key)).toEqual([
      "0xc0ffee000000000000000000000000000000000a",
      "0x0000000000000000000000000000000000000000000000000000000000000002",
    ]);
    const first = decoded[0];
    if (!first?.ok) throw new Error("not decoded");
    expect(first.message).toMatchObject({ schemaVersion: 1, source: "replay" });
    // What the worker will read is exactly what the file said.
    expect(normalizeTransaction(first.message.transaction)).toEqual(
      normalizeTransaction(JSON.parse(lines[0] ?? "")),
    );
  });

  it("publishes rows written with the original API's names and ISO-8601 timestamps, as the worker will read them", async () => {
    const from = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
    const jsonLines = JSON.stringify({
      hash: hash(21),
      value: 1,
      gas: 21_000,
      gas_price: 25,
      from_address: from,
      block_number: 19_000_000,
      block_timestamp: "2024-05-01T14:00:00+02:00",
    });
    const csv = [
      "hash,value,gas,gas_price,from_address,block_timestamp",
      `${hash(22)},1,21000,25,${from},2024-05-01T06:30:00.5-05:30`,
      `${hash(23)},1,21000,25,${from},2024-05-01T12:00:00`,
    ].join("\n");
    const read = async (input: string) => {
      const { publisher, messages } = recordingPublisher();
      const summary = await replayFile({ input, topic: "in", publisher });
      const transactions = messages().map((message) => {
        const decoded = decodeTransactionMessage(Buffer.from(message.value));
        if (!decoded.ok) throw new Error(decoded.error);
        return normalizeTransaction(decoded.message.transaction);
      });
      return { summary, transactions };
    };
    const fromJson = await read(fixture("original.jsonl", `${jsonLines}\n`));
    expect(
      fromJson.transactions.map((tx) => [tx.from, tx.gasPriceWei, tx.blockNumber, tx.timestamp]),
    ).toEqual([["0xabcdef0123456789abcdef0123456789abcdef01", 25_000_000_000n, 19_000_000, 1_714_564_800]]);
    const fromCsv = await read(fixture("original.csv", `${csv}\n`));
    expect(fromCsv.transactions.map((tx) => [tx.from, tx.timestamp])).toEqual([
      ["0xabcdef0123456789abcdef0123456789abcdef01", 1_714_564_800],
    ]);
    // A date-time without a zone is skipped with the reason, not guessed.
    expect(fromCsv.summary.errors).toEqual([
      {
        line: 3,
        message:
          'block_timestamp: no time zone, so the instant is ambiguous; add Z (UTC) or an offset such as +02:00: "2024-05-01T12:00:00"',
      },
    ]);
  });

  it("reads generic CSV with a header, in produce batches of the requested size", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${hash(i + 1)},${i / 10},21000,${20 + i}`);
    const input = fixture("txs.csv", `hash,value,gas,gasPrice\n${rows.join("\n")}\n`);
    const { publisher, sent } = recordingPublisher();
    const summary = await replayFile({ input, topic: "in", publisher, batchSize: 10 });
    expect(summary.published).toBe(25);
    expect(sent.map((batch) => batch.messages.length)).toEqual([10, 10, 5]);
  });

  it("holds the requested rate: the n-th message goes out n / rate seconds after the start", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${hash(i + 1)},1,21000,20`);
    const input = fixture("txs.csv", `hash,value,gas,gasPrice\n${rows.join("\n")}\n`);
    const read = await rowsOf(input);
    // Fake timers and clock: the pacing is checked exactly, whatever the machine's load.
    vi.useFakeTimers({ now: 0 });
    const publishedAt: number[] = [];
    const publisher = {
      async publish(batches: readonly TopicMessages[]) {
        for (const batch of batches) publishedAt.push(...batch.messages.map(() => Date.now()));
      },
    };
    const replaying = replayFile({
      input,
      topic: "in",
      publisher,
      ratePerSecond: 100,
      read,
      now: () => Date.now(),
    });
    await vi.runAllTimersAsync();
    const summary = await replaying;
    expect(summary.published).toBe(40);
    // 100/s in sends of 10 (about ten a second): one send every 100 ms from the start, none early.
    expect([...new Set(publishedAt)]).toEqual([0, 100, 200, 300]);
    expect(publishedAt.filter((at) => at === 300)).toHaveLength(10);
    expect(summary.elapsedMs).toBe(400);
    expect(summary.ratePerSecond).toBe(100);
  });

  it("gives every row a new hash per run with --fresh-hashes, stable within a run", async () => {
    const input = fixture(
      "txs.csv",
      `hash,value,gas,gasPrice\n${hash(1)},1,21000,20\n${hash(2)},1,21000,20\n`,
    );
    const runs = await Promise.all(
      [1, 2].map(async () => {
        const { publisher, messages } = recordingPublisher();
        await replayFile({ input, topic: "in", publisher, freshHashes: true });
        return messages().map((message) => message.key);
      }),
    );
    expect(new Set([...(runs[0] ?? []), ...(runs[1] ?? [])]).size).toBe(4);
    expect(runs[0]?.every((key) => /^0x[0-9a-f]{64}$/.test(String(key)))).toBe(true);
  });

  it("stops early when aborted and says so", async () => {
    const rows = Array.from({ length: 100 }, (_, i) => `${hash(i + 1)},1,21000,20`);
    const input = fixture("txs.csv", `hash,value,gas,gasPrice\n${rows.join("\n")}\n`);
    const controller = new AbortController();
    let sends = 0;
    // Aborted by the first send itself, not by a timer racing the pace: the send in flight completes,
    // nothing after it is published.
    const publisher = {
      async publish() {
        sends += 1;
        controller.abort();
      },
    };
    const summary = await replayFile({
      input,
      topic: "in",
      publisher,
      ratePerSecond: 100,
      signal: controller.signal,
    });
    expect(summary.isComplete).toBe(false);
    expect(sends).toBe(1);
    expect(summary.published).toBe(10);
  });

  it("converts any transaction to the JSON-RPC shape without loss", () => {
    const tx = normalizeTransaction({
      hash: hash(9),
      value: "123456789.123456789012345678",
      gas: 30_000_000,
      gasPrice: "0.000000001",
      maxFeePerGas: 50,
      maxPriorityFeePerGas: 2,
      from: `0x${"a".repeat(40)}`,
      to: null,
      nonce: 7,
      input: "0xa9059cbb",
      blockNumber: 19_000_000,
      timestamp: 1_700_000_000,
    });
    const back = safeNormalizeTransaction(toRpcTransaction(tx));
    expect(back.ok && back.value).toEqual(tx);
  });

  it("says how far it got when Kafka fails part-way, and resumes from that line with nothing lost", async () => {
    // A JSON Lines file (no header): lines 1..10 valid except line 4.
    const lines = Array.from({ length: 10 }, (_, index) =>
      index === 3
        ? "{broken"
        : JSON.stringify({ hash: hash(index + 1), value: 1, gas: 21_000, gasPrice: 20 }),
    );
    const input = fixture("resume.jsonl", `${lines.join("\n")}\n`);
    const sent: string[] = [];
    let calls = 0;
    const failingOnThirdSend = {
      async publish(batches: readonly TopicMessages[]) {
        calls += 1;
        if (calls === 3) throw new Error("broker gone");
        for (const message of batches.flatMap((batch) => batch.messages)) sent.push(String(message.key));
      },
    };
    const failure = await replayFile({
      input,
      topic: "t",
      publisher: failingOnThirdSend,
      batchSize: 2,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReplayFailedError);
    const { summary } = failure as ReplayFailedError;
    // Sends: lines 1-2, lines 3,5 (4 invalid); the third (lines 6-7) failed.
    expect(summary).toMatchObject({ published: 4, skipped: 1, isComplete: false, resumeFromLine: 6 });
    expect(sent).toEqual([hash(1), hash(2), hash(3), hash(5)]);

    const resumed = recordingPublisher();
    const rest = await replayFile({
      input,
      topic: "t",
      publisher: resumed.publisher,
      batchSize: 2,
      fromLine: summary.resumeFromLine,
    });
    expect(rest).toMatchObject({ published: 5, skipped: 0, isComplete: true, resumeFromLine: 11 });
    expect(resumed.messages().map((message) => String(message.key))).toEqual([6, 7, 8, 9, 10].map(hash));
  });
});
