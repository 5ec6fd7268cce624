import type { ThroughputResult, VariantResult } from "./http-throughput.ts";
import type { KafkaBenchResult } from "./kafka-pipeline.ts";
import type { MixResult } from "./mix.ts";

/** What `pnpm bench` measured, as the goals table of the performance issue (#21) reads it. */
export interface GoalInputs {
  /** The gateway on its embedded default (in-process cache, PGlite on disk). */
  httpEmbedded?: ThroughputResult;
  /** The gateway on Redis + PostgreSQL. */
  httpServices?: ThroughputResult;
  kafka?: KafkaBenchResult;
  /** The realistic mix on Redis + PostgreSQL: one run paced at the goal's rate, one unpaced. */
  mix?: { paced: MixResult; unpaced: MixResult };
}

export interface GoalRow {
  figure: string;
  now: string;
  goal: string;
  /** How far towards the goal, ≥ 1 when met (rates: now / goal; costs and memory: goal / now). */
  ratio?: number;
}

export const GOALS = {
  kafkaTransactionsPerSecond: 30_000,
  workerMicrosPerTransaction: 25,
  postgresMicrosPerTransaction: 20,
  batchScoredEmbedded: 20_000,
  batchScoredPostgres: 50_000,
  batchCached: 200_000,
  predictHitShareOfBareExpress: 0.7,
  mixRequestsPerSecond: 1_500,
  mixP95Ms: 200,
  rssServicesMiB: 300,
  rssEmbeddedMiB: 600,
} as const;

const int = (value: number) => Math.round(value).toLocaleString("en-US");
const mib = (bytes: number) => bytes / 2 ** 20;
const variant = (result: ThroughputResult | undefined, prefix: string): VariantResult | undefined =>
  result?.variants.find((candidate) => candidate.name.startsWith(prefix));

/** Rows in the order of the issue's table; a figure that was not measured says so instead of a ratio. */
export function goalRows(inputs: GoalInputs): GoalRow[] {
  const rows: GoalRow[] = [];
  const notRun = (figure: string, goal: string, how: string) =>
    rows.push({ figure, now: `not run (${how})`, goal });

  const worker = inputs.kafka?.runs.find((run) => run.name === "scoring worker × 1");
  if (worker) {
    rows.push({
      figure: "Kafka pipeline, 1 worker, PostgreSQL storing every transaction",
      now: `${int(worker.transactionsPerSecond)} tx/s`,
      goal: `≥ ${int(GOALS.kafkaTransactionsPerSecond)} tx/s`,
      ratio: worker.transactionsPerSecond / GOALS.kafkaTransactionsPerSecond,
    });
    if (worker.cpuMicrosPerTransaction !== undefined)
      rows.push({
        figure: "  worker CPU per transaction",
        now: `${worker.cpuMicrosPerTransaction.toFixed(0)} µs`,
        goal: `≤ ${GOALS.workerMicrosPerTransaction} µs`,
        ratio: GOALS.workerMicrosPerTransaction / worker.cpuMicrosPerTransaction,
      });
    if (worker.postgresMicrosPerTransaction !== undefined)
      rows.push({
        figure: "  PostgreSQL CPU per transaction",
        now: `${worker.postgresMicrosPerTransaction.toFixed(0)} µs`,
        goal: `≤ ${GOALS.postgresMicrosPerTransaction} µs`,
        ratio: GOALS.postgresMicrosPerTransaction / worker.postgresMicrosPerTransaction,
      });
  } else
    notRun("Kafka pipeline, 1 worker", `≥ ${int(GOALS.kafkaTransactionsPerSecond)} tx/s`, "--only kafka");

  const batchRow = (result: ThroughputResult | undefined, prefix: string, figure: string, goal: number) => {
    const measured = variant(result, prefix);
    if (!measured) {
      notRun(figure, `≥ ${int(goal)} tx/s`, "its HTTP run");
      return;
    }
    rows.push({
      figure,
      now: `${int(measured.transactionsPerSecond)} tx/s`,
      goal: `≥ ${int(goal)} tx/s`,
      ratio: measured.transactionsPerSecond / goal,
    });
  };
  const scored = (result: ThroughputResult | undefined) =>
    `batch of ${result?.options.batchSize ?? 1000}, all scored`;
  batchRow(
    inputs.httpServices,
    scored(inputs.httpServices),
    "batch, all scored, PostgreSQL",
    GOALS.batchScoredPostgres,
  );
  batchRow(
    inputs.httpEmbedded,
    scored(inputs.httpEmbedded),
    "batch, all scored, embedded",
    GOALS.batchScoredEmbedded,
  );
  const cachedPrefix = (result: ThroughputResult | undefined) =>
    `batch of ${result?.options.batchSize ?? 1000}, all cached (hit)`;
  batchRow(
    inputs.httpServices,
    cachedPrefix(inputs.httpServices),
    "batch, all cached, PostgreSQL",
    GOALS.batchCached,
  );
  batchRow(
    inputs.httpEmbedded,
    cachedPrefix(inputs.httpEmbedded),
    "batch, all cached, embedded",
    GOALS.batchCached,
  );

  for (const [stack, result] of [
    ["PostgreSQL", inputs.httpServices],
    ["embedded", inputs.httpEmbedded],
  ] as const) {
    const hit = variant(result, "predict, cache hit");
    const figure = `predict, cache hit, all middleware, ${stack}`;
    const goal = `≥ ${GOALS.predictHitShareOfBareExpress * 100} % of bare Express`;
    if (!hit) notRun(figure, goal, "its HTTP run");
    else
      rows.push({
        figure,
        now: `${int(hit.requestsPerSecond)} req/s = ${(hit.ratioToCeiling * 100).toFixed(0)} % of ${int(result?.variants[0]?.requestsPerSecond ?? 0)}`,
        goal,
        ratio: hit.ratioToCeiling / GOALS.predictHitShareOfBareExpress,
      });
  }

  const mixGoal = `≥ ${int(GOALS.mixRequestsPerSecond)} req/s at p95 < ${GOALS.mixP95Ms} ms`;
  if (inputs.mix) {
    const { paced, unpaced } = inputs.mix;
    const kept = paced.p95Ms < GOALS.mixP95Ms && paced.non2xx + paced.errors === 0;
    rows.push({
      figure: "realistic mix, PostgreSQL + Redis (paced)",
      now: `${int(paced.requestsPerSecond)} of ${int(paced.offeredRate ?? 0)} req/s, p95 ${paced.p95Ms.toFixed(0)} ms, generator ${(paced.generatorCoreShare * 100).toFixed(0)} % of a core`,
      goal: mixGoal,
      // A p95 over the bound or any failed request is not the goal's rate, whatever got through.
      ratio: kept ? paced.requestsPerSecond / GOALS.mixRequestsPerSecond : 0,
    });
    rows.push({
      figure: "realistic mix, unpaced (the knee)",
      now: `${int(unpaced.requestsPerSecond)} req/s, p95 ${unpaced.p95Ms.toFixed(0)} ms`,
      goal: mixGoal,
      ...(unpaced.p95Ms < GOALS.mixP95Ms
        ? { ratio: unpaced.requestsPerSecond / GOALS.mixRequestsPerSecond }
        : {}),
    });
    if (paced.serverEndRssBytes !== undefined)
      rows.push({
        figure: "gateway RSS, PostgreSQL + Redis, after the mix",
        now: `${mib(paced.serverEndRssBytes).toFixed(0)} MiB (peak ${mib(paced.serverPeakRssBytes ?? 0).toFixed(0)})`,
        goal: `≤ ${GOALS.rssServicesMiB} MiB steady`,
        ratio: GOALS.rssServicesMiB / mib(paced.serverEndRssBytes),
      });
  } else notRun("realistic mix, PostgreSQL + Redis", mixGoal, "--only mix");

  const embeddedPeak = inputs.httpEmbedded?.variants
    .slice(1)
    .reduce((peak, measured) => Math.max(peak, measured.serverPeakRssBytes ?? 0), 0);
  if (embeddedPeak)
    rows.push({
      figure: "gateway RSS, embedded, peak over the HTTP runs",
      now: `${mib(embeddedPeak).toFixed(0)} MiB`,
      goal: `≤ ${GOALS.rssEmbeddedMiB} MiB`,
      ratio: GOALS.rssEmbeddedMiB / mib(embeddedPeak),
    });
  else notRun("gateway RSS, embedded", `≤ ${GOALS.rssEmbeddedMiB} MiB`, "--only http");
  return rows;
}

export function formatGoals(rows: readonly GoalRow[]): string {
  const widths = [
    Math.max(...rows.map((row) => row.figure.length)),
    Math.max(...rows.map((row) => row.now.length)),
    Math.max(...rows.map((row) => row.goal.length)),
  ];
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(" | ");
  return [
    `${line(["figure", "now", "goal"])} | of goal`,
    ...rows.map(
      (row) =>
        `${line([row.figure, row.now, row.goal])} | ${row.ratio === undefined ? "–" : `${row.ratio.toFixed(2)}${row.ratio >= 1 ? " met" : ""}`}`,
    ),
    "(10-minute memory curves: pnpm --filter @chainwatch/loadtests soak; docs/benchmarks.md)",
  ].join("\n");
}
