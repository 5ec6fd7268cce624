import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseModelFile, serializeModel } from "../model-file.ts";
import { generateSyntheticTraffic } from "../synthetic-traffic.ts";
import { startTrainingWorker } from "../training/start-training-worker.ts";
import { trainModelFromRows } from "../training/train-from-rows.ts";
import { toRpcJson, toSummary } from "../training/training-fixtures.ts";
import { TrainingParametersSchema, trainOptionsFrom } from "../training/training-parameters.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
/** Changes only when the training data, the algorithm or the file format changes; docs/model.md names it. */
const DEFAULT_MODEL_VERSION = "if-15ecf62a926d";
const dir = mkdtempSync(join(tmpdir(), "chainwatch-model-cli-"));
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

const header = "block_timestamp,block_number,gas,receipt_gas_used,gas_price,value,class";
const goodRows = Array.from(
  { length: 300 },
  (_, i) =>
    `${1508131613 + i},${4370008 + i},${21000 + (i % 7) * 1000},21000,${20000000000 + i * 1e7}.0,${(i + 1) * 1e15},${i % 5 === 0 ? 1 : 0}`,
);

describe("chainwatch-model train", () => {
  const csv = file(
    "train.csv",
    [header, ...goodRows.slice(0, 100), "1508,4370,abc,1,2,3,0", ...goodRows.slice(100)].join("\n"),
  );

  it("fails on a bad row by default, naming the line, with exit code 3", () => {
    const result = run("train", "--input", csv, "--out", join(dir, "fail.json"));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("line 102: gas:");
  });

  it("skips and counts bad rows on request, filters with --where and writes a valid model", () => {
    const out = join(dir, "skip.json");
    const result = run(
      "train",
      "--input",
      csv,
      "--out",
      out,
      "--on-bad-row",
      "skip",
      "--where",
      "class=0",
      "--trees",
      "10",
      "--seed",
      "7",
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("skipped 1 bad row(s)");
    const summary = JSON.parse(result.stdout) as { rows: number; badRows: number };
    expect(summary).toMatchObject({ rows: 240, badRows: 1 });
    const model = parseModelFile(readFileSync(out, "utf8"));
    expect(model.content.training).toMatchObject({ rows: 240, seed: 7, nEstimators: 10 });
    expect(model.content.createdAt).toBe(new Date((1508131613 + 299) * 1000).toISOString());
    // Same input and seed: the same bytes.
    const again = join(dir, "skip-again.json");
    run(
      "train",
      "--input",
      csv,
      "--out",
      again,
      "--on-bad-row",
      "skip",
      "--where",
      "class=0",
      "--trees",
      "10",
      "--seed",
      "7",
    );
    expect(readFileSync(again, "utf8")).toBe(readFileSync(out, "utf8"));
  });

  it("reads generic CSV and JSON Lines in both shapes", () => {
    const hash = (i: number) => `0x${i.toString(16).padStart(64, "0")}`;
    const generic = file(
      "generic.csv",
      [
        "hash,value,gas,gasPrice,to",
        ...Array.from({ length: 50 }, (_, i) => `${hash(i)},${i / 10},21000,${10 + i},`),
      ].join("\n"),
    );
    expect(run("train", "--input", generic, "--out", join(dir, "g.json"), "--trees", "5").code).toBe(0);
    const jsonl = file(
      "txs.jsonl",
      [
        ...Array.from({ length: 30 }, (_, i) =>
          JSON.stringify({ hash: hash(i), value: "1.5", gas: 21000, gasPrice: 12 }),
        ),
        JSON.stringify({
          hash: hash(99),
          value: "0xde0b6b3a7640000",
          gas: "0x5208",
          gasPrice: "0x4a817c800",
          v: "0x1",
        }),
        "{broken",
      ].join("\n"),
    );
    const failed = run("train", "--input", jsonl, "--out", join(dir, "j.json"), "--trees", "5");
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("line 32: not valid JSON");
    const skipped = run(
      "train",
      "--input",
      jsonl,
      "--out",
      join(dir, "j.json"),
      "--trees",
      "5",
      "--on-bad-row",
      "skip",
    );
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rows: 31, badRows: 1 });
  });

  it("writes the bytes the training API writes for the same rows and parameters", async () => {
    // The API trains stored transactions (summaries: call data as a size); the CLI an export of them.
    const txs = generateSyntheticTraffic({ count: 2_000, seed: 44 }).transactions;
    const input = file("export.jsonl", txs.map(toRpcJson).join("\n"));
    const out = join(dir, "cli.json");
    const cli = run(
      "train",
      "--input",
      input,
      "--out",
      out,
      "--trees",
      "20",
      "--seed",
      "5",
      "--contamination",
      "0.02",
      "--source",
      "transactions 2024-10-27/2024-10-28",
    );
    expect(cli.code).toBe(0);
    const parameters = TrainingParametersSchema.parse({ trees: 20, seed: 5, contamination: 0.02 });
    const source = "transactions 2024-10-27/2024-10-28";
    const api = await trainModelFromRows(txs.map(toSummary), { ...trainOptionsFrom(parameters), source });
    expect(serializeModel(api.model)).toBe(readFileSync(out, "utf8"));
    const worker = await startTrainingWorker({
      input: { kind: "rows", rows: txs.map(toSummary) },
      parameters,
      source,
    }).result;
    expect(worker.modelJson).toBe(readFileSync(out, "utf8"));
  });

  it("reproduces the shipped default model byte for byte (pnpm train:default)", () => {
    const out = join(dir, "default.json");
    const data = new URL("../../data/al-emari-2021-reduced.csv.gz", import.meta.url).pathname;
    const result = run(
      "train",
      "--input",
      data,
      "--where",
      "class=0",
      "--contamination",
      "0.02",
      "--seed",
      "42",
      "--trees",
      "100",
      "--out",
      out,
    );
    expect(result.code).toBe(0);
    const shipped = readFileSync(new URL("../../models/default.model.json", import.meta.url), "utf8");
    expect(readFileSync(out, "utf8")).toBe(shipped);
    const model = parseModelFile(shipped);
    expect(model.modelVersion).toBe(DEFAULT_MODEL_VERSION);
    expect(model.formatVersion).toBe(2);
    expect(model.content.driftReference?.features.map((feature) => feature.sample.length)).toEqual(
      new Array(9).fill(1_000),
    );
    // the drift reference added ~120 KB (1,000 sampled values per feature); keep the file well under 0.5 MB
    expect(shipped.length).toBeLessThan(400_000);
  });

  it("reports usage errors with exit code 2 and prints help", () => {
    expect(run("train", "--input", csv).code).toBe(2);
    expect(run("train", "--input", csv, "--out", "x.json", "--contamination", "0.9").code).toBe(2);
    expect(run("train", "--bogus").code).toBe(2);
    const help = run("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes");
  });

  it("points spec 2 to the context trainer, which has the address state", () => {
    const result = run("train", "--input", csv, "--out", join(dir, "spec2.json"), "--spec", "2");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("chainwatch-context train");
    expect(run("train", "--input", csv, "--out", join(dir, "spec3.json"), "--spec", "3").code).toBe(2);
  });

  it("reads JSON Lines whose transactions are wrapped as { tx, label } (benchmark traffic)", () => {
    const hash = (i: number) => `0x${i.toString(16).padStart(64, "0")}`;
    const tx = (i: number) => ({ hash: hash(i), value: `${1 + i / 10}`, gas: 21000, gasPrice: 12 });
    const lines = Array.from({ length: 40 }, (_, i) => tx(i));
    const bare = file("bare.jsonl", lines.map((line) => JSON.stringify(line)).join("\n"));
    const wrapped = file(
      "wrapped.jsonl",
      lines
        .map((line, i) => JSON.stringify({ tx: line, label: i === 3 ? "value_spike" : null, eventId: null }))
        .join("\n"),
    );
    const args = ["--trees", "5", "--source", "same"];
    expect(run("train", "--input", bare, "--out", join(dir, "bare.json"), ...args).code).toBe(0);
    expect(run("train", "--input", wrapped, "--out", join(dir, "wrapped.json"), ...args).code).toBe(0);
    expect(readFileSync(join(dir, "wrapped.json"), "utf8")).toBe(
      readFileSync(join(dir, "bare.json"), "utf8"),
    );
  });
});

describe("chainwatch-model score", () => {
  it("prints one JSON line per row, errors included, with the default model", () => {
    const hash = `0x${"a".repeat(64)}`;
    const input = file(
      "score.jsonl",
      [
        JSON.stringify({ hash, value: 1, gas: 21000, gasPrice: 20 }),
        JSON.stringify({ hash, value: -1, gas: 1, gasPrice: 1 }),
      ].join("\n"),
    );
    const result = run("score", "--input", input);
    expect(result.code).toBe(0);
    const [first, second] = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(first).toMatchObject({
      line: 1,
      hash,
      isAnomaly: expect.any(Boolean),
      severity: expect.any(String),
    });
    expect(first.explanation).toHaveLength(3);
    expect(second).toMatchObject({ line: 2, error: expect.stringContaining("value") });
  });

  it("refuses a tampered model with exit code 4", () => {
    const model = file(
      "tampered.json",
      readFileSync(new URL("../../models/default.model.json", import.meta.url), "utf8").replace(
        '"threshold":0.',
        '"threshold":0.1',
      ),
    );
    const input = file(
      "one.jsonl",
      JSON.stringify({ hash: `0x${"b".repeat(64)}`, value: 1, gas: 21000, gasPrice: 20 }),
    );
    const result = run("score", "--input", input, "--model", model);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("MODEL_CHECKSUM_MISMATCH");
  });
});
