import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { contentFingerprint, normalizeTransaction, trainModel } from "@chainwatch/model";
import { registerModelFile } from "@chainwatch/scoring";
import {
  createModelRegistry,
  createPostgresDatabase,
  createRepositories,
  runMigrations,
} from "@chainwatch/store";
import { scoredRecord } from "@chainwatch/store/testing";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { Redis } from "ioredis";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
/** The prediction key format, written out: model version, hash and content fingerprint. */
const predictionKey = (version: string, hash: string, fingerprint: string) =>
  `chainwatch:prediction:v3:${version}:${hash}:${fingerprint}`;
/** A file's lines are scored without address context: model-only verdicts, under `<version>~model-only`. */
const keyOfLine = (version: string, line: string) => {
  const tx = normalizeTransaction(JSON.parse(line));
  return predictionKey(`${version}~model-only`, tx.hash, contentFingerprint(tx));
};

await describeWithServices(
  "cache-warmer job against the real Redis and PostgreSQL",
  ["redis", "postgres"],
  () => {
    const redis = new Redis(serviceUrls.redisUrl);
    const base = Date.now() * 1_000;
    afterAll(() => redis.quit());

    it("warms the model and the predictions of a file, then exits 0", async () => {
      const lines = Array.from({ length: 120 }, (_, index) =>
        JSON.stringify({
          hash: `0x${(base + index).toString(16).padStart(64, "0")}`,
          value: 1,
          gas: 21_000,
          gasPrice: 30,
        }),
      );
      const input = join(mkdtempSync(join(tmpdir(), "warmer-")), "hot.jsonl");
      writeFileSync(input, lines.join("\n"));
      const { stdout } = await run(process.execPath, [mainPath], {
        env: {
          ...process.env,
          REDIS_URL: serviceUrls.redisUrl,
          WARM_INPUT_FILE: input,
          WARM_BATCH_SIZE: "25",
        },
      });
      const finished = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === "cache warming finished");
      expect(finished).toMatchObject({ warmed: 120, invalid: 0, failed: 0, modelWarmed: true });
      const version = await redis.get("chainwatch:model:v1:active");
      expect(JSON.parse(version ?? "null")).toMatch(/\S/);
      const keys = lines.map((line) => keyOfLine(JSON.parse(version ?? ""), line));
      const values = await redis.mget(...keys);
      expect(values.filter((value) => value !== null)).toHaveLength(120);
      expect(await redis.ttl(keys[0] ?? "")).toBeGreaterThan(7_000);
      await redis.del(...keys);
    });

    it("loads the N most recent predictions from PostgreSQL in recent mode", async () => {
      const schema = uniqueName("cw_warm").toLowerCase();
      const database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
      try {
        await runMigrations(database);
        const records = Array.from({ length: 30 }, () => scoredRecord({}));
        await createRepositories(database).recordScored(records);
        const url = new URL(serviceUrls.databaseUrl);
        url.searchParams.set("options", `-c search_path=${schema}`);
        const { stdout } = await run(process.execPath, [mainPath], {
          env: {
            ...process.env,
            REDIS_URL: serviceUrls.redisUrl,
            WARM_RECENT: "20",
            DATABASE_URL: url.toString(),
          },
        });
        expect(stdout).toContain('"recentLoaded":20');
        const version = records[0]?.prediction.modelVersion ?? "";
        const cached = await redis.mget(
          ...records.map((record) =>
            predictionKey(version, record.transaction.hash, record.contentFingerprint),
          ),
        );
        expect(cached.filter((value) => value !== null)).toHaveLength(20);
      } finally {
        await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await database.close();
      }
    });

    it("with a database, warms the registry's active model (not MODEL_PATH's) and scores with it", async () => {
      const schema = uniqueName("cw_warm_registry").toLowerCase();
      const database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
      try {
        await runMigrations(database);
        const rows = Array.from({ length: 600 }, (_, index) =>
          normalizeTransaction({
            hash: `0x${(base + 10_000 + index).toString(16).padStart(64, "0")}`,
            value: 0.5 + (index % 40) * 0.1,
            gas: 21_000 + (index % 5) * 1_000,
            gasPrice: 20 + (index % 25),
          }),
        );
        const model = trainModel(rows, { seed: 11, nEstimators: 10, maxSamples: 64 });
        const registry = createModelRegistry(database);
        await registerModelFile(registry, model, "warmer-test");
        await registry.deploy(model.modelVersion, { strategy: "full", actor: "warmer-test" });

        const hash = `0x${(base + 99_999).toString(16).padStart(64, "0")}`;
        const input = join(mkdtempSync(join(tmpdir(), "warmer-")), "hot.jsonl");
        const line = JSON.stringify({ hash, value: 2, gas: 21_000, gasPrice: 25 });
        writeFileSync(input, line);
        const url = new URL(serviceUrls.databaseUrl);
        url.searchParams.set("options", `-c search_path=${schema}`);
        await run(process.execPath, [mainPath], {
          env: {
            ...process.env,
            REDIS_URL: serviceUrls.redisUrl,
            WARM_INPUT_FILE: input,
            DATABASE_URL: url.toString(),
          },
        });
        expect(JSON.parse((await redis.get("chainwatch:model:v1:active")) ?? "null")).toBe(
          model.modelVersion,
        );
        const key = keyOfLine(model.modelVersion, line);
        expect(await redis.get(key)).not.toBeNull();
        await redis.del(key);
      } finally {
        await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await database.close();
      }
    });

    it("exits non-zero when Redis is unreachable", async () => {
      await expect(
        run(process.execPath, [mainPath], { env: { ...process.env, REDIS_URL: "redis://127.0.0.1:1" } }),
      ).rejects.toMatchObject({ code: 1 });
    });
  },
);
