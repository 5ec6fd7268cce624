import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const rows = (count: number) =>
  Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      hash: `0x${randomBytes(32).toString("hex")}`,
      value: 0.01 + (index % 97) * 0.3,
      gas: 21_000 + (index % 5) * 10_000,
      gasPrice: 10 + (index % 40),
    }),
  ).join("\n");

describe("training job limits", () => {
  let app: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "chainwatch-training-"));
    // A named pipe: the job reading it stays running until the test writes and closes it.
    execFileSync("mkfifo", [path.join(dataDir, "held.jsonl")]);
    writeFileSync(path.join(dataDir, "too-many.jsonl"), rows(1_001));
    app = await startTestGateway(
      {
        MODEL_TRAINING_DATA_DIR: dataDir,
        MODEL_TRAINING_MAX_CONCURRENT_JOBS: "1",
        MODEL_TRAINING_MAX_ROWS: "1000",
        DRIFT_CHECK_INTERVAL_SECONDS: "0",
      },
      { ownDatabase: true },
    );
  });
  afterAll(async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const train = (file: string) =>
    app.send("/api/v1/models/train", {
      method: "POST",
      body: { source: { kind: "file", path: file }, parameters: { trees: 10, sampleSize: 64 } },
    });
  const finishedJob = async (statusUrl: string) => {
    let job: { status: string; error: { code: string } | null } = { status: "running", error: null };
    await expect
      .poll(
        async () => {
          job = (await app.send(statusUrl)).json as typeof job;
          return job.status;
        },
        { timeout: 30_000, interval: 100 },
      )
      .not.toBe("running");
    return job;
  };

  it("refuses files outside the data folder, through a symlink or a relative path, and missing files", async () => {
    const outside = mkdtempSync(path.join(tmpdir(), "chainwatch-outside-"));
    writeFileSync(path.join(outside, "secret.jsonl"), rows(5));
    symlinkSync(path.join(outside, "secret.jsonl"), path.join(dataDir, "link.jsonl"));
    symlinkSync(outside, path.join(dataDir, "linked-dir"));
    try {
      for (const file of ["link.jsonl", "linked-dir/secret.jsonl", "../secret.jsonl", "missing.jsonl", "."]) {
        const response = await train(file);
        expect(response.status, file).toBe(400);
        expect(response.json, file).toMatchObject({ code: "VALIDATION_ERROR" });
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("refuses a second job while one runs, then bounds the rows a job reads", {
    timeout: 60_000,
  }, async () => {
    const held = await train("held.jsonl");
    expect(held.status).toBe(202);
    const refused = await train("too-many.jsonl");
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: "TOO_MANY_JOBS" });
    expect(refused.headers["retry-after"]).toBe("30");

    const writer = createWriteStream(path.join(dataDir, "held.jsonl"));
    writer.end(rows(300));
    await finishedJob((held.json as { statusUrl: string }).statusUrl);

    const bounded = await train("too-many.jsonl");
    expect(bounded.status).toBe(202);
    const job = await finishedJob((bounded.json as { statusUrl: string }).statusUrl);
    expect(job).toMatchObject({ status: "failed", error: { code: "TRAINING_TOO_MANY_ROWS" } });
  });
});
