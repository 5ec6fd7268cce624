import { formatLoad, loadAverages, type MachineInfo, machineInfo } from "../machine.ts";
import { type AutoBaselineReport, describeGates, describeModel } from "./auto-baseline-run.ts";
import { type BaselineResult, runStatelessBaseline } from "./baseline.ts";
import {
  type ContextualTraffic,
  contextualTrafficOptions,
  countByKind,
  generateContextualTraffic,
} from "./contextual-traffic.ts";
import { type GatewayRunResult, type GatewayVariant, runGatewayVariant } from "./gateway-run.ts";
import type { ActorRole } from "./population.ts";
import { formatReport } from "./report.ts";
import type { AnomalyKind, TrafficStyle } from "./traffic-options.ts";

export interface DetectionBenchOptions {
  style: TrafficStyle;
  /** Overrides the style's seed. */
  seed?: number;
  hours?: number;
  addresses?: number;
  variants: readonly GatewayVariant[];
  /** Transactions per ingest request. */
  batchSize: number;
  redisUrl: string;
}

export interface DetectionBenchResult {
  machine: MachineInfo;
  traffic: {
    seed: number;
    style: TrafficStyle;
    hours: number;
    addresses: number;
    transactions: number;
    secondHalfTransactions: number;
    population: Record<ActorRole, number>;
    kinds: Record<AnomalyKind, { transactions: number; events: number }>;
    generateSeconds: number;
  };
  baseline: BaselineResult;
  gateways: GatewayRunResult[];
  table: string;
  totalSeconds: number;
}

/**
 * The contextual-detection benchmark (issue #17): one seeded day, the stateless baseline trained on its
 * first half, and the same day through each gateway variant; metrics over the second half only.
 */
export async function runDetectionBench(
  options: DetectionBenchOptions,
  log: (line: string) => void,
): Promise<DetectionBenchResult> {
  const started = performance.now();
  const machine = machineInfo();
  log(
    `machine: ${machine.cores} cores ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load ${formatLoad(loadAverages())}`,
  );
  const trafficOptions = contextualTrafficOptions(options.style, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.hours === undefined ? {} : { hours: options.hours }),
    ...(options.addresses === undefined ? {} : { addresses: options.addresses }),
  });
  const generateStarted = performance.now();
  const traffic = generateContextualTraffic(trafficOptions);
  const generateSeconds = (performance.now() - generateStarted) / 1_000;
  const kinds = countByKind(traffic);
  const secondHalfTransactions = traffic.transactions.filter(
    ({ tx }) => tx.timestamp >= traffic.secondHalfTimestamp,
  ).length;
  log(describeTraffic(traffic, kinds, generateSeconds));

  log("\n== stateless baseline: Isolation Forest (spec-1 features) trained on the first half ==");
  const baseline = runStatelessBaseline(traffic);
  log(
    `  ${baseline.trainingRows.toLocaleString("en-US")} training rows, ${(baseline.trainingFlagRate * 100).toFixed(2)} % flagged in training (threshold ${baseline.threshold.toFixed(3)}), ${baseline.seconds.toFixed(1)} s`,
  );

  const gateways: GatewayRunResult[] = [];
  for (const variant of options.variants) {
    log(`\n== gateway, ${variant}: ingest the day in time order, read every transaction back ==`);
    const result = await runGatewayVariant(
      traffic,
      { variant, batchSize: options.batchSize, redisUrl: options.redisUrl },
      log,
    );
    const byModel = Object.entries(result.secondHalfByModel)
      .map(([version, count]) => `${version} ${count.toLocaleString("en-US")}`)
      .join(", ");
    log(
      `  ingest ${result.ingestSeconds.toFixed(1)} s (${Math.round(result.ingested / result.ingestSeconds)} tx/s), read back ${result.readBackSeconds.toFixed(1)} s; second half served by ${byModel}; ranked by ${result.scoreField}`,
    );
    if (result.autoBaseline) log(describeAutoBaseline(result.autoBaseline));
    gateways.push(result);
  }

  const table = formatReport(traffic, [
    { name: baseline.name, metrics: baseline.metrics },
    ...gateways.map((gateway) => ({
      name: `${gateway.name} (${gateway.scoreField})`,
      metrics: gateway.metrics,
    })),
  ]);
  log(`\n${table}`);
  for (const gateway of gateways) {
    if (gateway.autoBaseline) {
      const { decision, servedAfter, shadowTransactions } = gateway.autoBaseline;
      log(
        `note: ${gateway.name}: the policy ${decision} its model; ${describeModel(servedAfter)} served after the decision; the first ${shadowTransactions.toLocaleString("en-US")} second-half transactions were served by the model active before it`,
      );
    }
    if (gateway.anomalyScoreFallbacks > 0) {
      log(
        `note: ${gateway.name}: ${gateway.anomalyScoreFallbacks.toLocaleString("en-US")} stored predictions carry no riskScore; they are ranked by anomalyScore (the stateless score) instead`,
      );
    }
  }
  const totalSeconds = (performance.now() - started) / 1_000;
  log(`total ${totalSeconds.toFixed(1)} s`);
  return {
    machine,
    traffic: {
      seed: trafficOptions.seed,
      style: trafficOptions.style,
      hours: trafficOptions.hours,
      addresses: trafficOptions.addresses,
      transactions: traffic.transactions.length,
      secondHalfTransactions,
      population: traffic.population,
      kinds,
      generateSeconds,
    },
    baseline,
    gateways,
    table,
    totalSeconds,
  };
}

function describeTraffic(
  traffic: ContextualTraffic,
  kinds: Record<AnomalyKind, { transactions: number; events: number }>,
  seconds: number,
): string {
  const { options, population } = traffic;
  const roles = Object.entries(population)
    .map(([role, count]) => `${count} ${role}`)
    .join(", ");
  const injected = Object.entries(kinds)
    .map(([kind, count]) => `${kind} ${count.transactions} (${count.events} events)`)
    .join(", ");
  return [
    `traffic: seed ${options.seed}, style ${options.style}, ${options.hours} h, ${options.addresses.toLocaleString("en-US")} addresses → ${traffic.transactions.length.toLocaleString("en-US")} transactions in ${seconds.toFixed(1)} s`,
    `  senders: ${roles}`,
    `  injected (second half): ${injected}`,
  ].join("\n");
}

function describeAutoBaseline(report: AutoBaselineReport): string {
  const judged = report.steps.at(-1);
  return [
    `  auto-baseline: ${report.steps.map((step) => `${step.action}${step.version ? ` ${step.version}` : ""} after ${step.afterTransactions.toLocaleString("en-US")} tx`).join(" → ")}`,
    `    decision: ${report.decision}; gates:`,
    ...describeGates(judged?.gates ?? []).map((line) => `      ${line}`),
    `    served before: ${describeModel(report.servedBefore)}`,
    `    served after:  ${describeModel(report.servedAfter)}; candidate ${report.candidate.version} is ${report.candidate.status}`,
  ].join("\n");
}
