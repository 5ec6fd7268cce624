import { createChainwatchClient } from "@chainwatch/client";
import { SHIPPED_LISTS } from "@chainwatch/screening";
import { createApiKeys, startGateway } from "../processes/gateway.ts";
import { contextualTrafficOptions, generateContextualTraffic } from "./contextual-traffic.ts";
import { createIngest, readBack, type StoredPredictionFields } from "./gateway-run.ts";
import {
  connectToListed,
  DEFAULT_LISTED_TRAFFIC,
  type ListedTrafficOptions,
  type ScreenedTransaction,
  shippedDenyAddresses,
  withListedAddresses,
} from "./listed-traffic.ts";
import { type DetectionMetrics, detectionMetrics } from "./metrics.ts";
import type { TrafficStyle } from "./traffic-options.ts";

/*
 * The screening benchmark (issue #18): the contextual day with addresses of the shipped deny lists put
 * into its second half (listed-traffic.ts), through two embedded gateways.
 *   1. lists off (SCREENING_SEED_SHIPPED_LISTS=false): what context and the model alone make of it; the
 *      busy address with the most false positives is noted.
 *   2. lists on (the gateway loads the shipped lists at start) and that busy address on an allow list made
 *      through the API, with a few of its own transfers redirected to listed addresses.
 * Reported: the share of transactions touching a listed address that are flagged, and flagged with a
 * deny-list reason naming a shipped list; the busy address's false positives before and after its allow
 * label; its payments to listed addresses (must stay flagged); the contextual kinds and normal traffic.
 */

export interface ScreeningBenchOptions {
  style: TrafficStyle;
  seed?: number;
  hours?: number;
  addresses?: number;
  batchSize: number;
  /**
   * Second run: how many of the allowlisted address's transfers are redirected to listed addresses, and
   * how many payments from listed addresses into it are added.
   */
  allowlistedToListed: number;
  /** Overrides of how listed addresses enter the day (a small day needs a larger redirect share). */
  listed?: Partial<ListedTrafficOptions>;
}

export interface ListedMetrics {
  transactions: number;
  flagged: number;
  /** Flagged with a deny_listed reason naming one of the shipped lists. */
  withShippedListReason: number;
  /** riskLevel high or critical. */
  highOrCritical: number;
}

export interface ScreeningRunResult {
  name: "lists off" | "lists on + allow";
  ingestSeconds: number;
  ingested: number;
  toListed: ListedMetrics;
  fromListed: ListedMetrics;
  /** The busy address's own second-half normal transactions (as sender or recipient). */
  busyAddress: {
    address: string;
    transactions: number;
    flagged: number;
    /** Flagged for a reason about the busy address itself (its own behaviour as sender or recipient). */
    flaggedForItself: number;
    /** Of each flagged one: the busy address's role and the codes of its reasons that were not suppressed. */
    flaggedReasons: { role: "from" | "to"; codes: string[] }[];
  };
  /** Its transactions with a listed counterparty, either way (second run only). */
  busyWithListed: ListedMetrics;
  /** Contextual kinds against normal traffic (transactions touching a listed address left out). */
  detection: DetectionMetrics;
}

export interface ScreeningBenchResult {
  seed: number;
  style: TrafficStyle;
  transactions: number;
  listedAddresses: number;
  runs: ScreeningRunResult[];
  table: string;
}

const SHIPPED_LIST_IDS = new Set(SHIPPED_LISTS.map((list) => list.id));
const ALLOW_LIST = "bench-reviewed-allow";

export async function runScreeningBench(
  options: ScreeningBenchOptions,
  log: (line: string) => void,
): Promise<ScreeningBenchResult> {
  const trafficOptions = contextualTrafficOptions(options.style, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.hours === undefined ? {} : { hours: options.hours }),
    ...(options.addresses === undefined ? {} : { addresses: options.addresses }),
  });
  const traffic = generateContextualTraffic(trafficOptions);
  const deny = await shippedDenyAddresses();
  const { transactions, listedAddresses } = withListedAddresses(traffic, deny, {
    ...DEFAULT_LISTED_TRAFFIC,
    ...options.listed,
  });
  const count = (role: ScreenedTransaction["listed"]) =>
    transactions.filter((row) => row.listed === role).length;
  log(
    `traffic: seed ${trafficOptions.seed}, style ${trafficOptions.style}, ${transactions.length.toLocaleString("en-US")} transactions; ${listedAddresses.length} of the ${deny.length.toLocaleString("en-US")} shipped deny-listed addresses put in the second half: ${count("to_listed")} payments to them, ${count("from_listed")} from them`,
  );

  log("\n== run 1: lists off (context and model alone) ==");
  const first = await runOnce(transactions, options, { lists: false }, log);
  const busy = busiestFalsePositive(transactions, first.stored, traffic.secondHalfTimestamp);
  log(
    `  the busy address with the most false positives: ${busy.address} (${busy.flagged} of ${busy.transactions})`,
  );

  const secondTraffic = connectToListed(
    transactions,
    busy.address,
    options.allowlistedToListed,
    listedAddresses,
    traffic.secondHalfTimestamp,
    trafficOptions.seed,
  );
  log(`\n== run 2: shipped lists loaded at start, ${busy.address} on allow list ${ALLOW_LIST} ==`);
  const second = await runOnce(secondTraffic, options, { lists: true, allow: busy.address }, log);
  const runs = [
    summarise("lists off", first, transactions, traffic.secondHalfTimestamp, busy.address),
    summarise("lists on + allow", second, secondTraffic, traffic.secondHalfTimestamp, busy.address),
  ];
  const table = formatTable(runs);
  log(`\n${table}`);
  for (const run of runs)
    for (const flagged of run.busyAddress.flaggedReasons)
      log(
        `note: ${run.name}: a flagged transaction of the busy address (as ${flagged.role === "from" ? "sender" : "recipient"}): ${flagged.codes.join(", ")}`,
      );
  return {
    seed: trafficOptions.seed,
    style: trafficOptions.style,
    transactions: transactions.length,
    listedAddresses: listedAddresses.length,
    runs,
    table,
  };
}

interface RawRun {
  stored: Map<string, StoredPredictionFields | null>;
  ingestSeconds: number;
  ingested: number;
}

async function runOnce(
  transactions: readonly ScreenedTransaction[],
  options: ScreeningBenchOptions,
  setup: { lists: boolean; allow?: string },
  log: (line: string) => void,
): Promise<RawRun> {
  const env = {
    AUTO_BASELINE_ENABLED: "false",
    SCREENING_SEED_SHIPPED_LISTS: String(setup.lists),
    SCREENING_REFRESH_INTERVAL_SECONDS: "1",
  };
  const gateway = await startGateway(env, { name: `gateway-screening-${setup.lists ? "on" : "off"}` });
  try {
    const keys = await createApiKeys(gateway.url, gateway.adminKey, "screening-bench");
    const admin = createChainwatchClient({ baseUrl: gateway.url, apiKey: gateway.adminKey });
    const lists = await admin.GET("/api/v1/lists");
    const loaded = (lists.data?.lists ?? []).filter((list) => SHIPPED_LIST_IDS.has(list.id));
    log(
      `  shipped lists in the gateway: ${loaded.map((list) => `${list.id} ${list.labelCount}`).join(", ") || "none"}`,
    );
    if (setup.lists && loaded.length !== SHIPPED_LIST_IDS.size)
      throw new Error(
        `the gateway did not load the shipped lists: ${JSON.stringify(lists.data ?? lists.error)}`,
      );
    if (setup.allow) await allowlist(admin, setup.allow, log);
    const ingest = createIngest(gateway.url, keys.scorer, { transactions: [...transactions] }, options, log);
    await ingest.range(0, transactions.length);
    const stored = await readBack(gateway.url, keys.viewer, { transactions: [...transactions] }, log);
    return { stored, ingestSeconds: ingest.seconds(), ingested: ingest.accepted() };
  } finally {
    await gateway.stop();
  }
}

/** An analyst's fix for a noisy, trusted address: an allow label, then wait until screening holds it. */
async function allowlist(
  admin: ReturnType<typeof createChainwatchClient>,
  address: string,
  log: (line: string) => void,
): Promise<void> {
  const list = await admin.PUT("/api/v1/lists/{id}", {
    params: { path: { id: ALLOW_LIST } },
    body: { name: "Reviewed: known good", kind: "allow", source: "screening benchmark" },
  });
  if (!list.data) throw new Error(`creating ${ALLOW_LIST} answered ${list.response.status}`);
  const label = await admin.POST("/api/v1/lists/{id}/labels", {
    params: { path: { id: ALLOW_LIST } },
    body: { address, category: "exchange", note: "busy hot wallet, reviewed" },
  });
  if (!label.data) throw new Error(`labelling ${address} answered ${label.response.status}`);
  // Two refresh intervals (1 s each) bound the time until every replica's screening set holds the label.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  log(`  allow label on ${address} in ${ALLOW_LIST}`);
}

function busiestFalsePositive(
  transactions: readonly ScreenedTransaction[],
  stored: Map<string, StoredPredictionFields | null>,
  secondHalfTimestamp: number,
): { address: string; transactions: number; flagged: number } {
  const perAddress = new Map<string, { transactions: number; flagged: number }>();
  for (const row of transactions) {
    if (row.label !== null || row.listed !== null || row.tx.timestamp < secondHalfTimestamp) continue;
    const isFlagged = stored.get(row.tx.hash)?.isAnomaly === true;
    for (const address of new Set([row.tx.from, row.tx.to ?? ""])) {
      if (!address) continue;
      const entry = perAddress.get(address) ?? { transactions: 0, flagged: 0 };
      entry.transactions++;
      if (isFlagged) entry.flagged++;
      perAddress.set(address, entry);
    }
  }
  let best: { address: string; transactions: number; flagged: number } | undefined;
  for (const [address, entry] of perAddress) {
    if (
      !best ||
      entry.flagged > best.flagged ||
      (entry.flagged === best.flagged && entry.transactions > best.transactions)
    )
      best = { address, ...entry };
  }
  if (!best) throw new Error("no normal second-half traffic");
  return best;
}

function listedMetrics(
  rows: readonly ScreenedTransaction[],
  stored: Map<string, StoredPredictionFields | null>,
): ListedMetrics {
  const metrics = { transactions: rows.length, flagged: 0, withShippedListReason: 0, highOrCritical: 0 };
  for (const row of rows) {
    const prediction = stored.get(row.tx.hash);
    if (!prediction) throw new Error(`transaction ${row.tx.hash} has no stored prediction`);
    if (!prediction.isAnomaly) continue;
    metrics.flagged++;
    const namesShippedList = (prediction.reasons ?? []).some(
      (reason) =>
        reason.code === "deny_listed" &&
        !reason.suppressed &&
        SHIPPED_LIST_IDS.has(String(reason.data?.listId)) &&
        reason.message.includes(String(reason.data?.listId)),
    );
    if (namesShippedList) metrics.withShippedListReason++;
    if (prediction.riskLevel === "high" || prediction.riskLevel === "critical") metrics.highOrCritical++;
  }
  return metrics;
}

function summarise(
  name: ScreeningRunResult["name"],
  run: RawRun,
  transactions: readonly ScreenedTransaction[],
  secondHalfTimestamp: number,
  busyAddress: string,
): ScreeningRunResult {
  const secondHalf = transactions.filter((row) => row.tx.timestamp >= secondHalfTimestamp);
  const touchesBusy = (row: ScreenedTransaction) => row.tx.from === busyAddress || row.tx.to === busyAddress;
  const busyNormal = secondHalf.filter(
    (row) => row.label === null && row.listed === null && touchesBusy(row),
  );
  const detectionRows = secondHalf
    .filter((row) => row.listed === null)
    .map((row) => {
      const prediction = run.stored.get(row.tx.hash);
      if (!prediction) throw new Error(`transaction ${row.tx.hash} has no stored prediction`);
      return {
        label: row.label,
        score: typeof prediction.riskScore === "number" ? prediction.riskScore : prediction.anomalyScore,
        isAnomaly: prediction.isAnomaly,
      };
    });
  return {
    name,
    ingestSeconds: run.ingestSeconds,
    ingested: run.ingested,
    toListed: listedMetrics(
      secondHalf.filter((row) => row.listed === "to_listed" && !touchesBusy(row)),
      run.stored,
    ),
    fromListed: listedMetrics(
      secondHalf.filter((row) => row.listed === "from_listed" && !touchesBusy(row)),
      run.stored,
    ),
    busyAddress: {
      address: busyAddress,
      transactions: busyNormal.length,
      flagged: busyNormal.filter((row) => run.stored.get(row.tx.hash)?.isAnomaly === true).length,
      flaggedForItself: busyNormal.filter((row) => {
        const prediction = run.stored.get(row.tx.hash);
        const role = row.tx.from === busyAddress ? "from" : "to";
        return (
          prediction?.isAnomaly === true &&
          (prediction.reasons ?? []).some((reason) => !reason.suppressed && isAbout(reason.code, role))
        );
      }).length,
      flaggedReasons: busyNormal.flatMap((row) => {
        const prediction = run.stored.get(row.tx.hash);
        if (prediction?.isAnomaly !== true) return [];
        const codes = (prediction.reasons ?? [])
          .filter((reason) => !reason.suppressed)
          .map((reason) => reason.code);
        return [{ role: row.tx.from === busyAddress ? ("from" as const) : ("to" as const), codes }];
      }),
    },
    busyWithListed: listedMetrics(
      secondHalf.filter((row) => row.listed !== null && touchesBusy(row)),
      run.stored,
    ),
    detection: detectionMetrics(detectionRows),
  };
}

/**
 * Which party a reason code describes, as the reason sentences say (docs/model.md, "Reasons"); the model's
 * outlier is about the transaction, so about both parties.
 */
const SENDER_REASONS = new Set([
  "model_outlier",
  "sender_burst",
  "sender_fan_out",
  "value_above_sender_history",
  "new_sender_large_value",
  "first_seen_sender",
]);
const RECIPIENT_REASONS = new Set(["model_outlier", "recipient_fan_in", "first_seen_recipient"]);
const isAbout = (code: string, role: "from" | "to") =>
  role === "from" ? SENDER_REASONS.has(code) : RECIPIENT_REASONS.has(code);

const share = (part: number, whole: number) => (whole === 0 ? "—" : `${((100 * part) / whole).toFixed(1)} %`);

function formatTable(runs: readonly ScreeningRunResult[]): string {
  const listed = (metrics: ListedMetrics) =>
    `${share(metrics.flagged, metrics.transactions)} (${metrics.flagged}/${metrics.transactions}), list reason ${share(metrics.withShippedListReason, metrics.transactions)}, ≥ high ${share(metrics.highOrCritical, metrics.transactions)}`;
  const lines = [
    "| run | to listed flagged | from listed flagged | busy address FPs (for itself) | busy ↔ listed flagged | contextual ROC-AUC / recall | normal flagged | ingest tx/s |",
    "| --- | --- | --- | --- | --- | --- | --- | ---: |",
  ];
  for (const run of runs) {
    lines.push(
      `| ${run.name} | ${listed(run.toListed)} | ${listed(run.fromListed)} | ${run.busyAddress.flagged} of ${run.busyAddress.transactions} (${run.busyAddress.flaggedForItself}) | ${run.busyWithListed.transactions === 0 ? "—" : listed(run.busyWithListed)} | ${run.detection.overall.rocAuc.toFixed(3)} / ${share(run.detection.overall.flagged, run.detection.overall.transactions)} | ${(100 * run.detection.normalFlaggedShare).toFixed(2)} % | ${Math.round(run.ingested / run.ingestSeconds)} |`,
    );
  }
  return lines.join("\n");
}
