import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  createLabelRepository,
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
  runMigrations,
} from "@chainwatch/store";
import { readLabelFile } from "../read-label-file.ts";
import { type SeedSummary, SHIPPED_DATA_DIR, SHIPPED_LISTS, seedShippedLists } from "../shipped-lists.ts";

/*
 * Import cost of the shipped lists (docs/benchmarks.md, "Screening lists"): per driver and round, a fresh
 * database (migrated, not timed), then seedShippedLists (timed: checksums, parsing, inserts), then the same
 * seed again (timed: must change nothing), then one screening snapshot (what a replica loads). Parsing
 * alone is timed separately. PostgreSQL is DATABASE_URL (default the local test server), in a scratch
 * schema dropped afterwards. Run: pnpm --filter @chainwatch/screening bench [-- --rounds 3]
 */

const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Round {
  seedMs: number;
  reseedMs: number;
  snapshotMs: number;
  seed: SeedSummary;
  reseed: SeedSummary;
  entries: number;
}

const totals = (summary: SeedSummary) =>
  summary.lists.reduce(
    (sum, list) => ({
      read: sum.read + list.read,
      invalid: sum.invalid + list.invalid,
      inserted: sum.inserted + list.inserted,
      updated: sum.updated + list.updated,
      unchanged: sum.unchanged + list.unchanged,
      deleted: sum.deleted + list.deleted,
    }),
    { read: 0, invalid: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0 },
  );

async function round(open: () => Promise<Database>): Promise<Round> {
  const db = await open();
  try {
    await runMigrations(db);
    const repo = createLabelRepository(db);
    let started = performance.now();
    const seed = await seedShippedLists(repo, { actor: "bench" });
    const seedMs = performance.now() - started;
    started = performance.now();
    const reseed = await seedShippedLists(repo, { actor: "bench" });
    const reseedMs = performance.now() - started;
    started = performance.now();
    const snapshot = await repo.screeningSnapshot();
    const snapshotMs = performance.now() - started;
    return { seedMs, reseedMs, snapshotMs, seed, reseed, entries: snapshot.entries.length };
  } finally {
    await db.close();
  }
}

async function parseOnlyMs(): Promise<number> {
  const started = performance.now();
  for (const list of SHIPPED_LISTS) {
    for await (const _row of readLabelFile(join(SHIPPED_DATA_DIR, list.file))) {
      // read and validated, nothing else
    }
  }
  return performance.now() - started;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function bench(name: string, open: () => Promise<Database>) {
  const rounds: Round[] = [];
  for (let index = 0; index < ROUNDS; index++) rounds.push(await round(open));
  const [first] = rounds;
  if (!first) throw new Error("no rounds");
  return {
    driver: name,
    rounds: ROUNDS,
    seed: totals(first.seed),
    reseed: totals(first.reseed),
    entries: first.entries,
    seedSeconds: rounds.map((r) => +(r.seedMs / 1000).toFixed(2)),
    reseedSeconds: rounds.map((r) => +(r.reseedMs / 1000).toFixed(2)),
    snapshotMs: rounds.map((r) => Math.round(r.snapshotMs)),
    medianSeedSeconds: +(median(rounds.map((r) => r.seedMs)) / 1000).toFixed(2),
    medianReseedSeconds: +(median(rounds.map((r) => r.reseedMs)) / 1000).toFixed(2),
    medianSnapshotMs: Math.round(median(rounds.map((r) => r.snapshotMs))),
  };
}

const parseMs = [await parseOnlyMs(), await parseOnlyMs(), await parseOnlyMs()];
const results = [
  await bench("pglite (in memory)", () => createPgliteDatabase()),
  await bench("postgres", async () => {
    const schema = `cw_bench_${randomBytes(4).toString("hex")}`;
    const db = await createPostgresDatabase({ connectionString: DATABASE_URL, schema });
    return {
      ...db,
      close: async () => {
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await db.close();
      },
    };
  }),
];
process.stdout.write(
  `${JSON.stringify({ parseOnlySeconds: parseMs.map((ms) => +(ms / 1000).toFixed(2)), results }, null, 2)}\n`,
);
