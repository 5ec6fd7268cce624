#!/usr/bin/env node
/**
 * node src/cli/profile-worker.ts [--messages 100000] [--rounds 2] [--baseline <checkout>] [--top 30]
 *   [--traffic contextual|uniform] [--env KEY=value ...]
 *
 * The Kafka pipeline with one scoring worker under `node --cpu-prof`, storing into PostgreSQL: per run the
 * rate, the worker's CPU per transaction, the CPU of the PostgreSQL backends that served it (their own
 * application_name, read from /proc), and where the worker's time went. `--baseline` runs another
 * checkout's worker (e.g. a `git worktree` of main, dependencies installed) in turns with this one on the
 * same published topic, so before and after come from the same run and machine state.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runKafkaPipeline } from "../bench/kafka-pipeline.ts";
import { formatLoad, loadAverages } from "../machine.ts";
import { type Profile, summariseProfile } from "./profile-summary.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--")),
  options: {
    messages: { type: "string", default: "100000" },
    rounds: { type: "string", default: "1" },
    baseline: { type: "string" },
    top: { type: "string", default: "30" },
    env: { type: "string", multiple: true },
    // contextual: the realistic day (1–2 % anomalies); uniform: 5,000 senders each sending about once a
    // second, which the address context reads as bursts everywhere (an incident storm: most are flagged).
    traffic: { type: "string", default: "contextual" },
  },
});
const messages = Number(values.messages);
const extraEnv = Object.fromEntries(
  (values.env ?? []).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const log = (line: string) => process.stdout.write(`${line}\n`);
const sides = [
  ...(values.baseline
    ? [{ name: "baseline", main: resolve(values.baseline, "apps/scoring-worker/src/main.ts") }]
    : []),
  { name: "current", main: undefined },
];
const directories = new Map<string, string>();
const variants = Array.from({ length: Number(values.rounds) }, (_, round) =>
  sides.map((side) => {
    const tag = `${side.name}${round + 1}`;
    const directory = mkdtempSync(join(tmpdir(), `chainwatch-worker-prof-${tag}-`));
    directories.set(tag, directory);
    return {
      tag,
      label: `worker × 1, ${side.name} (${round + 1})`,
      env: extraEnv,
      ...(side.main ? { main: side.main } : {}),
      nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${directory}`],
    };
  }),
).flat();
log(
  `load ${formatLoad(loadAverages())}; ${messages} messages; variants ${variants.map((v) => v.tag).join(", ")}`,
);
const result = await runKafkaPipeline(
  {
    messages,
    partitions: 6,
    workerCounts: [],
    brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
    databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    runTimeoutMs: 1_800_000,
    traffic: values.traffic === "uniform" ? "uniform" : "contextual",
    variants,
  },
  log,
);
for (const run of result.runs.slice(1)) {
  const tag = variants.find((variant) => variant.label === run.name)?.tag ?? "";
  const directory = directories.get(tag);
  const file = directory && readdirSync(directory).find((name) => name.endsWith(".cpuprofile"));
  if (!directory || !file) continue;
  const profile = JSON.parse(readFileSync(join(directory, file), "utf8")) as Profile;
  // The drain's active window (start-up, migrations and the group join left out) plus the shutdown.
  const window = { fromEndMs: (run.activeSeconds + 0.5) * 1000 + 2_000, toEndMs: 0 };
  log(
    `\n== ${run.name}: ${join(directory, file)} ==\n${summariseProfile(profile, Number(values.top), window)}`,
  );
}
