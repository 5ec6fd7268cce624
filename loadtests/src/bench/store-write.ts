import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createCache, createMemoryStore } from "@chainwatch/cache";
import { createContextScorer, createMemoryStateStore } from "@chainwatch/context";
import { loadDefaultModel } from "@chainwatch/model";
import { createScoringService, createTransactionPipeline, staticModelProvider } from "@chainwatch/scoring";
import { createLogger } from "@chainwatch/service-kit";
import type { ScoredTransactionRecord } from "@chainwatch/store";
import * as currentStore from "@chainwatch/store";
import { transactionFor } from "../data/transactions.ts";
import { formatLoad, loadAverages, type MachineInfo, machineInfo } from "../machine.ts";
import { cpuTimeMs } from "../processes/child-service.ts";

/**
 * What one stored transaction costs PostgreSQL and the writer (issue #21): the worker's write,
 * `recordScored`, of batches of scored records (the real pipeline scores the bench's uniform transactions
 * with in-process context first, so rows carry real features, explanations and reasons), into a fresh
 * schema per pass on one connection. Server CPU is that connection's backend process (/proc/<pid>/stat;
 * the server runs on this machine); client CPU is this process's. `--baseline <checkout>` writes the same
 * records with another checkout's store (its migrations and statement) in turns with this one.
 */
export interface StoreWriteOptions {
  databaseUrl: string;
  /** Records per pass. */
  transactions: number;
  batchSize: number;
  rounds: number;
  /** Another checkout (a git worktree with dependencies installed) whose @chainwatch/store is the baseline. */
  baseline?: string;
}

export interface StoreWriteRow {
  variant: string;
  round: number;
  /** PostgreSQL backend CPU per stored transaction, µs. */
  serverMicrosPerTransaction: number;
  /** This process's CPU per stored transaction, µs (normalise, encode, driver). */
  clientMicrosPerTransaction: number;
  /** Wall time per stored transaction, µs. */
  wallMicrosPerTransaction: number;
  /** On-disk size of the three hot tables and their indexes after the pass, bytes per transaction. */
  bytesPerTransaction: number;
  load: number[];
}

export interface StoreWriteResult {
  machine: MachineInfo;
  options: Omit<StoreWriteOptions, "databaseUrl">;
  anomalies: number;
  rows: StoreWriteRow[];
}

export type StoreModule = typeof currentStore;

export async function scoredRecords(count: number, batchSize: number): Promise<ScoredTransactionRecord[][]> {
  const logger = createLogger({ name: "store-bench", level: "silent" });
  const scoring = createScoringService({
    models: staticModelProvider(loadDefaultModel()),
    cache: createCache({ store: createMemoryStore(), logger }),
    context: createContextScorer({ store: createMemoryStateStore() }),
  });
  const batches: ScoredTransactionRecord[][] = [];
  const pipeline = createTransactionPipeline({
    scoring,
    recordScored: async (records) => {
      batches.push(records);
      return { transactions: records.length, predictions: records.length, anomalies: 0 };
    },
  });
  for (let from = 0; from < count; from += batchSize) {
    const payloads = Array.from({ length: Math.min(batchSize, count - from) }, (_, index) => {
      const n = from + index;
      const hash = `0x${(0x9000000000000000n + BigInt(n)).toString(16)}${"0".repeat(48)}`;
      return transactionFor(hash);
    });
    await pipeline.process(payloads.map((payload, ref) => ({ ref, payload })));
  }
  return batches;
}

/** One pass into a fresh schema; `afterMigrate` is SQL run on it first (experiments: an index dropped). */
export async function writePass(
  store: StoreModule,
  databaseUrl: string,
  batches: ScoredTransactionRecord[][],
  afterMigrate?: string,
): Promise<Omit<StoreWriteRow, "variant" | "round" | "load">> {
  const schema = `storebench_${randomBytes(4).toString("hex")}`;
  const database = await store.createPostgresDatabase({
    connectionString: databaseUrl,
    schema,
    maxConnections: 1,
    statementTimeoutMs: 120_000,
  });
  try {
    await store.runMigrations(database);
    if (afterMigrate) await database.exec(afterMigrate);
    const repositories = store.createRepositories(database);
    const [{ pid } = { pid: 0 }] = (await database.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))
      .rows;
    let count = 0;
    const serverBefore = cpuTimeMs(pid) ?? 0;
    const clientBefore = process.cpuUsage();
    const startedAt = performance.now();
    for (const batch of batches) {
      await repositories.recordScored(batch);
      count += batch.length;
    }
    const wallMs = performance.now() - startedAt;
    const client = process.cpuUsage(clientBefore);
    const serverMs = (cpuTimeMs(pid) ?? 0) - serverBefore;
    const { rows } = await database.query<{ bytes: string }>(
      `SELECT (pg_total_relation_size('transactions') + pg_total_relation_size('predictions')
         + pg_total_relation_size('anomalies'))::text AS bytes`,
    );
    return {
      serverMicrosPerTransaction: (serverMs * 1000) / count,
      clientMicrosPerTransaction: (client.user + client.system) / count,
      wallMicrosPerTransaction: (wallMs * 1000) / count,
      bytesPerTransaction: Number(rows[0]?.bytes ?? 0) / count,
    };
  } finally {
    await database.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await database.close();
  }
}

export async function runStoreWrite(
  options: StoreWriteOptions,
  log: (line: string) => void = () => {},
): Promise<StoreWriteResult> {
  const batches = await scoredRecords(options.transactions, options.batchSize);
  const anomalies = batches.flat().filter((record) => record.prediction.isAnomaly).length;
  const sample = batches[0]?.[0];
  log(
    `${options.transactions} scored records in batches of ${options.batchSize} (${anomalies} anomalies); ` +
      `a record's explanation ${JSON.stringify(sample?.prediction.explanation ?? []).length} B, reasons ` +
      `${JSON.stringify(sample?.prediction.reasons ?? []).length} B, features ${JSON.stringify(sample?.features ?? {}).length} B`,
  );
  const variants: { name: string; store: StoreModule }[] = [];
  if (options.baseline) {
    const path = resolve(options.baseline, "packages/store/src/index.ts");
    variants.push({ name: "baseline", store: (await import(path)) as StoreModule });
  }
  variants.push({ name: "current", store: currentStore });
  // One unreported warm-up pass each (plans, caches, the JIT), then the measured rounds in turns.
  for (const variant of variants) await writePass(variant.store, options.databaseUrl, batches.slice(0, 3));
  const rows: StoreWriteRow[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const variant of round % 2 === 1 ? variants : [...variants].reverse()) {
      const load = loadAverages();
      const measured = await writePass(variant.store, options.databaseUrl, batches);
      rows.push({ variant: variant.name, round, ...measured, load });
      log(formatStoreRow(rows.at(-1) as StoreWriteRow));
    }
  }
  const { databaseUrl: _databaseUrl, ...shown } = options;
  return { machine: machineInfo(), options: shown, anomalies, rows };
}

export function formatStoreRow(row: StoreWriteRow): string {
  return [
    `${row.variant} (${row.round})`.padEnd(16),
    `PostgreSQL ${row.serverMicrosPerTransaction.toFixed(1)} µs/tx`,
    `client ${row.clientMicrosPerTransaction.toFixed(1)} µs/tx`,
    `wall ${row.wallMicrosPerTransaction.toFixed(1)} µs/tx`,
    `${Math.round(row.bytesPerTransaction)} B/tx on disk`,
    `load ${formatLoad(row.load)}`,
  ].join(" | ");
}
