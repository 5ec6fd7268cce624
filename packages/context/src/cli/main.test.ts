import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateSyntheticTraffic,
  type NormalizedTransaction,
  parseModelFile,
  serializeModel,
} from "@chainwatch/model";
import { afterAll, describe, expect, it } from "vitest";
import { trainSpec2Model } from "../training/train-spec-2.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "chainwatch-context-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The JSON-RPC shape (hex wei), which reads back to the same transaction. */
function rpc(tx: NormalizedTransaction): Record<string, unknown> {
  const hex = (value: bigint | number) => `0x${value.toString(16)}`;
  return {
    hash: tx.hash,
    from: tx.from,
    to: tx.to,
    value: hex(tx.valueWei),
    gas: hex(tx.gas),
    gasPrice: hex(tx.gasPriceWei),
    ...(tx.maxFeePerGasWei === null ? {} : { maxFeePerGas: hex(tx.maxFeePerGasWei) }),
    ...(tx.maxPriorityFeePerGasWei === null ? {} : { maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGasWei) }),
    input: tx.input,
    ...(tx.nonce === null ? {} : { nonce: hex(tx.nonce) }),
    ...(tx.blockNumber === null ? {} : { blockNumber: hex(tx.blockNumber) }),
    ...(tx.timestamp === null ? {} : { timestamp: hex(tx.timestamp) }),
    ...(tx.txType === null ? {} : { type: hex(tx.txType) }),
  };
}

const stream = generateSyntheticTraffic({ count: 600, seed: 12, addresses: 40 }).transactions;

describe("chainwatch-context train", () => {
  it("trains the spec-2 model trainSpec2Model trains, from bare or { tx, label } lines", async () => {
    const wrapped = file(
      "traffic.jsonl",
      stream.map((tx) => JSON.stringify({ tx: rpc(tx), label: null, eventId: null })).join("\n"),
    );
    const bare = file("bare.jsonl", stream.map((tx) => JSON.stringify(rpc(tx))).join("\n"));
    const args = ["--trees", "10", "--seed", "3", "--batch-size", "50", "--source", "traffic"];
    const out = join(dir, "spec2.json");
    const result = run("train", "--input", wrapped, "--out", out, ...args);
    expect(result.stderr).toContain("feature spec 2");
    expect(result.code).toBe(0);
    const model = parseModelFile(readFileSync(out, "utf8"));
    expect(JSON.parse(result.stdout)).toEqual({
      out,
      modelVersion: model.modelVersion,
      featureSpecVersion: 2,
      rows: 600,
      badRows: 0,
      duplicates: 0,
      outOfOrder: 0,
    });
    const direct = await trainSpec2Model(stream, { seed: 3, nEstimators: 10, source: "traffic" });
    expect(readFileSync(out, "utf8")).toBe(serializeModel(direct.model));
    const fromBare = join(dir, "bare.json");
    expect(run("train", "--input", bare, "--out", fromBare, ...args).code).toBe(0);
    expect(readFileSync(fromBare, "utf8")).toBe(readFileSync(out, "utf8"));
  });

  it("exits 3 on a bad row (naming the line) unless told to skip, 2 on usage errors", () => {
    const lines = stream.slice(0, 50).map((tx) => JSON.stringify(rpc(tx)));
    lines.splice(10, 0, "{broken");
    const input = file("bad.jsonl", lines.join("\n"));
    const failed = run("train", "--input", input, "--out", join(dir, "bad.json"));
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("line 11: not valid JSON");
    const skipped = run(
      "train",
      "--input",
      input,
      "--out",
      join(dir, "bad.json"),
      "--trees",
      "5",
      "--on-bad-row",
      "skip",
    );
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rows: 50, badRows: 1 });
    expect(run("train", "--input", input).code).toBe(2);
    expect(run("train", "--input", input, "--out", "x.json", "--batch-size", "0").code).toBe(2);
    expect(run("score").code).toBe(2);
    const help = run("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("time order");
  });
});
