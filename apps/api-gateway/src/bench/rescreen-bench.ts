import { createHash } from "node:crypto";
import { createScreeningSet } from "@chainwatch/context";
import { createLogger } from "@chainwatch/service-kit";
import {
  createLabelRepository,
  createPgliteDatabase,
  createPostgresDatabase,
  createRepositories,
  createReviewRepository,
  type Database,
  type RescreenCursor,
  runMigrations,
  type ScoredTransactionRecord,
} from "@chainwatch/store";
import { createRescreenJobs } from "../persistence/rescreen-jobs.ts";

/*
 * Cost of re-screening one address (docs/benchmarks.md, "Re-screening"): per driver, a fresh database
 * holding RESULTS stored payments to one shop (plus as many to other addresses), the shop then
 * deny-listed. Timed, in the same run: reading every stored result of the shop page by page (the
 * baseline: what any job must do), the first job (every verdict changes and is written with its record),
 * and a second job (nothing changes, nothing written). PostgreSQL is DATABASE_URL (default the local test
 * server) in a scratch schema dropped afterwards. Run: node apps/api-gateway/src/bench/rescreen-bench.ts
 * [--results 5000]
 */

const resultsArg = process.argv.indexOf("--results");
const RESULTS = resultsArg > 0 ? Number(process.argv[resultsArg + 1]) : 5_000;
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SHOP = `0x${"5b".repeat(20)}`;
const logger = createLogger({ name: "bench", level: "silent" });

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

function payment(n: number, to: string): ScoredTransactionRecord {
  const hash = `0x${hex(n, 64)}`;
  return {
    transaction: {
      hash,
      valueWei: 50_000_000_000_000_000n,
      gas: 21_000n,
      gasPriceWei: 20_000_000_000n,
      maxFeePerGasWei: null,
      maxPriorityFeePerGasWei: null,
      from: `0x${hex(n, 40)}`,
      to,
      nonce: 0,
      input: "0x",
      blockNumber: null,
      timestamp: null,
      txType: 0,
    },
    contentFingerprint: createHash("sha256").update(hash).digest("base64url"),
    prediction: {
      modelVersion: "bench",
      anomalyScore: 0.4,
      severity: "low",
      isAnomaly: false,
      confidence: 0.9,
      explanation: [],
      riskScore: 0.16,
      riskLevel: "low",
      reasons: [
        { kind: "model", code: "model_outlier", message: "m", surprise: 0.5, data: {} },
        { kind: "context", code: "first_seen_sender", message: "f", surprise: 0, data: {} },
      ],
    },
  };
}

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function measure(
  driver: string,
  open: () => Promise<Database>,
  cleanup: (db: Database) => Promise<void>,
) {
  const db = await open();
  try {
    await runMigrations(db);
    const repositories = createRepositories(db);
    for (let start = 0; start < RESULTS * 2; start += 1_000) {
      const batch: ScoredTransactionRecord[] = [];
      for (let n = start; n < Math.min(start + 1_000, RESULTS * 2); n++)
        batch.push(payment(n + 1, n % 2 === 0 ? SHOP : `0x${hex(n + 7_000_000, 40)}`));
      await repositories.recordScored(batch);
    }
    const labels = createLabelRepository(db);
    await labels.upsertList({ id: "bench-deny", name: "Bench", kind: "deny", actor: "bench" });
    await labels.importLabels("bench-deny", [{ address: SHOP, category: "scam" }], "bench");
    const screening = createScreeningSet({
      snapshot: () => labels.screeningSnapshot(),
      revision: () => labels.screeningRevision(),
      intervalMs: 3_600_000,
      logger,
    });
    await screening.start();
    screening.stop();
    const review = createReviewRepository(db);
    const since = new Date(Date.now() - 86_400_000);

    const read = await time(async () => {
      let after: RescreenCursor | undefined;
      let count = 0;
      for (;;) {
        const page = await review.rescreenCandidates(SHOP, {
          since,
          limit: 500,
          ...(after === undefined ? {} : { after }),
        });
        count += page.candidates.length;
        if (page.next === null) return count;
        after = page.next;
      }
    });
    const jobs = createRescreenJobs({ review, screening, riskThreshold: 0.5, logger, maxConcurrentJobs: 1 });
    const run = () =>
      time(async () => {
        const { id } = jobs.start({ address: SHOP, days: 1, actor: "bench" });
        await jobs.drain();
        const job = jobs.get(id);
        if (job?.status !== "succeeded") throw new Error(`job ${job?.status}: ${job?.error}`);
        return job;
      });
    const first = await run();
    const second = await run();
    const perResult = (ms: number) => ((ms * 1_000) / read.value).toFixed(0);
    process.stdout.write(
      `${driver.padEnd(10)} ${read.value} results of the shop (of ${RESULTS * 2} stored)\n` +
        `  read only (baseline)       ${read.ms.toFixed(0).padStart(6)} ms  ${perResult(read.ms).padStart(5)} µs/result\n` +
        `  first job (${first.value.changed} changed)  ${first.ms.toFixed(0).padStart(6)} ms  ${perResult(first.ms).padStart(5)} µs/result  ×${(first.ms / read.ms).toFixed(1)} the read\n` +
        `  second job (${second.value.changed} changed)      ${second.ms.toFixed(0).padStart(6)} ms  ${perResult(second.ms).padStart(5)} µs/result  ×${(second.ms / read.ms).toFixed(1)} the read\n`,
    );
  } finally {
    await cleanup(db);
  }
}

const schema = `cw_rescreen_bench_${process.pid}`;
await measure(
  "postgres",
  () => createPostgresDatabase({ connectionString: DATABASE_URL, schema }),
  async (db) => {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  },
);
await measure(
  "pglite",
  () => createPgliteDatabase(),
  (db) => db.close(),
);
process.stdout.write(`Node ${process.version}\n`);
