import type { NormalizedTransaction } from "./normalize-transaction.ts";

/**
 * The feature spec of a transaction alone, shared by training and serving. Bump FEATURE_SPEC_VERSION
 * whenever a feature is added, removed, reordered or computed differently: model files record the version
 * and refuse to load under another one (MODEL_FEATURE_SPEC_MISMATCH), because a forest silently fed
 * shifted columns still produces plausible-looking scores. Spec 2 (FEATURE_SPECS, at the end) appends the
 * address-context features. docs/model.md explains each feature.
 */
export const FEATURE_SPEC_VERSION = 1;

type FeatureDefinition = {
  name: string;
  description: string;
  /** What the displayed value is, for explanations ("gas price 20 gwei"). */
  label: string;
  /** 0/1 features get "like most training transactions" explanations instead of percentiles. */
  isFlag?: boolean;
  /** Renders a feature value in the unit people read (ETH, gwei, bytes) for explanations. */
  display: (featureValue: number) => string;
  /**
   * The value as a phrase, where "label display" does not read ("sender's first transaction" rather than
   * "sender's previous transaction none"). Default: the label then the display; flags: the display.
   */
  phrase?: (featureValue: number) => string;
};

// Amounts span 0 … 10^25 wei; log10(1 + x) keeps zero at zero and spreads that range over 0 … 25 so
// uniform split thresholds (the forest draws them between a node's min and max) resolve dust and whales
// alike. log10(1 + ETH) would squash everything below 1 ETH into [0, 0.3].
const log10p = (x: number): number => Math.log10(1 + x);
const fromLog10p = (y: number): number => 10 ** y - 1;

const weiDisplay = (unit: "ETH" | "gwei") => (y: number) => {
  const wei = fromLog10p(y);
  const amount = unit === "ETH" ? wei / 1e18 : wei / 1e9;
  return `${formatNumber(amount)} ${unit}`;
};

const FEATURES: readonly FeatureDefinition[] = [
  {
    name: "value_log10_wei",
    label: "value",
    description: "log10(1 + value in wei)",
    display: weiDisplay("ETH"),
  },
  {
    name: "gas_limit_log10",
    label: "gas limit",
    description: "log10(1 + gas limit)",
    display: (y) => `${formatNumber(fromLog10p(y))} gas`,
  },
  {
    name: "gas_price_log10_wei",
    label: "gas price",
    description: "log10(1 + effective gas price in wei): gasPrice, else maxFeePerGas",
    display: weiDisplay("gwei"),
  },
  {
    name: "priority_fee_log10_wei",
    label: "priority fee",
    description:
      "log10(1 + priority fee per gas in wei): maxPriorityFeePerGas, else gasPrice (EIP-1559 legacy rule)",
    display: weiDisplay("gwei"),
  },
  {
    name: "value_per_gas_log10_wei",
    label: "value per gas",
    description: "log10(1 + value in wei / gas limit)",
    display: (y) => `${formatNumber(fromLog10p(y) / 1e9)} gwei/gas`,
  },
  {
    name: "input_bytes_log10",
    label: "call data",
    description: "log10(1 + call data length in bytes)",
    display: (y) => `${Math.round(fromLog10p(y))} bytes`,
  },
  {
    name: "has_selector",
    label: "call data",
    isFlag: true,
    description: "1 when call data holds at least a 4-byte function selector, else 0",
    display: (y) => (y >= 0.5 ? "calls a function" : "no function selector"),
  },
  {
    name: "is_contract_creation",
    label: "recipient",
    isFlag: true,
    description: "1 when `to` is null and call data is present (init code), else 0",
    display: (y) => (y >= 0.5 ? "creates a contract" : "not a contract creation"),
  },
  {
    name: "fee_cap_log10_wei",
    label: "fee cap",
    description: "log10(1 + gas limit x effective gas price in wei): the most the sender can pay in fees",
    display: weiDisplay("ETH"),
  },
];

export const FEATURE_NAMES: readonly string[] = Object.freeze(FEATURES.map((feature) => feature.name));
export const FEATURE_COUNT = FEATURES.length;

/*
 * Explanations look features up by column. Spec 2 appends the context features to spec 1, so one list
 * serves both: column j means the same feature under either spec.
 */

export function describeFeature(index: number): { name: string; description: string } {
  const feature = definition(index);
  return { name: feature.name, description: feature.description };
}

export function displayFeatureValue(index: number, featureValue: number): string {
  return definition(index).display(featureValue);
}

export function featureLabel(index: number): string {
  return definition(index).label;
}

export function isFlagFeature(index: number): boolean {
  return definition(index).isFlag === true;
}

/** The value as explanations show it: "gas price 20 gwei", "calls a function", "sender first seen 3 min ago". */
export function featurePhrase(index: number, featureValue: number): string {
  const feature = definition(index);
  if (feature.phrase) return feature.phrase(featureValue);
  return feature.isFlag === true
    ? feature.display(featureValue)
    : `${feature.label} ${feature.display(featureValue)}`;
}

export function extractFeatures(tx: NormalizedTransaction): Float64Array {
  const out = new Float64Array(FEATURE_COUNT);
  writeFeatures(tx, out, 0);
  return out;
}

/** Row-major: feature j of row i is data[i * cols + j]. */
export function extractFeatureMatrix(txs: readonly NormalizedTransaction[]): {
  data: Float64Array;
  rows: number;
  cols: number;
} {
  const data = new Float64Array(txs.length * FEATURE_COUNT);
  txs.forEach((tx, row) => {
    writeFeatures(tx, data, row * FEATURE_COUNT);
  });
  return { data, rows: txs.length, cols: FEATURE_COUNT };
}

/**
 * A transaction reduced to what the features need, with call data as its size: the shape the store keeps
 * (it stores call-data size and selector, not the bytes). Training accepts it beside NormalizedTransaction,
 * and both go through the same arithmetic, so a model trained from stored rows equals one trained from the
 * original transactions.
 */
export type TransactionSummary = Pick<
  NormalizedTransaction,
  "valueWei" | "gas" | "gasPriceWei" | "maxPriorityFeePerGasWei" | "to" | "timestamp"
> & {
  /** Call-data length in bytes. */
  inputSize: number;
};

/** A row training accepts: a full transaction or its summary. */
export type TrainingRow = NormalizedTransaction | TransactionSummary;

/** Writes one row in place so streaming trainers need no per-row allocation. */
export function writeFeatures(tx: NormalizedTransaction, out: Float64Array, offset: number): void {
  writeFeatureValues(tx, Math.max(0, (tx.input.length - 2) / 2), out, offset);
}

/** writeFeatures for either row shape. */
export function writeTrainingRowFeatures(row: TrainingRow, out: Float64Array, offset: number): void {
  if ("input" in row && typeof row.input === "string") writeFeatures(row, out, offset);
  else writeFeatureValues(row, (row as TransactionSummary).inputSize, out, offset);
}

function writeFeatureValues(
  tx: Pick<NormalizedTransaction, "valueWei" | "gas" | "gasPriceWei" | "maxPriorityFeePerGasWei" | "to">,
  inputBytes: number,
  out: Float64Array,
  offset: number,
): void {
  const value = Number(tx.valueWei);
  const gas = Number(tx.gas);
  const gasPrice = Number(tx.gasPriceWei);
  const priority = Number(tx.maxPriorityFeePerGasWei ?? tx.gasPriceWei);
  out[offset] = log10p(value);
  out[offset + 1] = log10p(gas);
  out[offset + 2] = log10p(gasPrice);
  out[offset + 3] = log10p(priority);
  // A zero gas limit cannot be mined; treat it as 1 so the ratio stays finite.
  out[offset + 4] = log10p(value / Math.max(gas, 1));
  out[offset + 5] = log10p(inputBytes);
  out[offset + 6] = inputBytes >= 4 ? 1 : 0;
  out[offset + 7] = tx.to === null && inputBytes > 0 ? 1 : 0;
  out[offset + 8] = log10p(gas * gasPrice);
}

function definition(index: number): FeatureDefinition {
  const feature = index < FEATURES.length ? FEATURES[index] : CONTEXT_FEATURES[index - FEATURES.length];
  if (feature === undefined) throw new RangeError(`no feature at index ${index}`);
  return feature;
}

/**
 * One formatter for every explanation. `toLocaleString(locale, options)` builds an Intl.NumberFormat on each
 * call, and three numbers are formatted per scored transaction: it was 14 % of the gateway's CPU on
 * 1000-item batches (loadtests profile). Same locale and options, so the same text.
 */
const EN_US_NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 9 });

function formatNumber(x: number): string {
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e15 || abs < 1e-6) return x.toExponential(2);
  return EN_US_NUMBER.format(Number(x.toPrecision(4)));
}

const fromLog10Seconds = (y: number): number => Math.max(0, fromLog10p(y));
/** 10^r of a log10 ratio, as "8.3× expected". */
const ratioDisplay = (r: number): string => `${formatNumber(10 ** r)}× expected`;
const zDisplay = (reference: string) => (z: number) =>
  z === 0 ? `at ${reference}` : `${formatNumber(Math.abs(z))} sd ${z > 0 ? "above" : "below"} ${reference}`;
const agoDisplay = (y: number): string => {
  const seconds = fromLog10Seconds(y);
  return seconds < 1 ? "just now" : `${formatDuration(seconds)} ago`;
};
const countDisplay = (y: number): string => {
  const count = Math.round(fromLog10Seconds(y));
  return `${count} transaction${count === 1 ? "" : "s"}`;
};
/** @chainwatch/context writes this for "no previous transaction" (~30 years, longer than any real gap). */
const NEVER_LOG10_SECONDS = 9;

/**
 * Spec 2's context features (@chainwatch/context `contextFeatureValues` computes them, from the address
 * state before the transaction's own update). Durations are log10(1 + seconds), counts log10(1 + n),
 * ratios log10(observed / expected) and z-scores in spreads of log10 ETH (docs/model.md, "Feature spec 2").
 */
const CONTEXT_FEATURES: readonly FeatureDefinition[] = [
  {
    name: "ctx_sender_known",
    label: "sender",
    isFlag: true,
    description: "1 when the sender has sent before, else 0",
    display: (y) => (y >= 0.5 ? "sender has sent before" : "sender's first transaction"),
  },
  {
    name: "ctx_sender_age_log10_s",
    label: "sender first seen",
    description: "log10(1 + seconds since the sender was first seen, in either role); 0 when never seen",
    display: agoDisplay,
  },
  {
    name: "ctx_sender_gap_log10_s",
    label: "sender's previous transaction",
    description: `log10(1 + seconds since the sender's previous transaction); ${NEVER_LOG10_SECONDS} when it has none`,
    display: (y) => (y >= NEVER_LOG10_SECONDS ? "none" : `${formatDuration(fromLog10Seconds(y))} earlier`),
    phrase: (y) =>
      y >= NEVER_LOG10_SECONDS
        ? "no previous transaction from this sender"
        : `sender's previous transaction ${formatDuration(fromLog10Seconds(y))} earlier`,
  },
  {
    name: "ctx_sender_out_count_log10",
    label: "sender had sent",
    description: "log10(1 + transactions the sender sent before)",
    display: countDisplay,
  },
  {
    name: "ctx_burst_log_ratio",
    label: "sender's activity in the last ~10 min",
    description:
      "log10(recent transactions from the sender, this one included, decayed over ~10 min / the number its usual rate expects)",
    display: ratioDisplay,
  },
  {
    name: "ctx_value_z",
    label: "value",
    description:
      "(log10 ETH of the value − the sender's typical amount) / spread, history shrunk towards new senders'; 0 for zero value",
    display: zDisplay("this sender's usual"),
  },
  {
    name: "ctx_recipient_new_for_sender",
    label: "recipient",
    isFlag: true,
    description: "1 when the sender never paid this recipient before, else 0",
    display: (y) =>
      y >= 0.5 ? "sender never paid this recipient before" : "sender paid this recipient before",
  },
  {
    name: "ctx_recipient_known",
    label: "recipient",
    isFlag: true,
    description: "1 when the recipient was seen before (in either role), else 0",
    display: (y) => (y >= 0.5 ? "recipient seen before" : "recipient never seen before"),
  },
  {
    name: "ctx_recipient_age_log10_s",
    label: "recipient first seen",
    description: "log10(1 + seconds since the recipient was first seen); 0 when never seen",
    display: agoDisplay,
  },
  {
    name: "ctx_recipient_in_count_log10",
    label: "recipient had received",
    description: "log10(1 + transactions the recipient received before)",
    display: countDisplay,
  },
  {
    name: "ctx_fan_out_log_ratio",
    label: "sender's payments to new recipients in the last ~10 min",
    description:
      "log10(max(recent transactions from the sender to recipients new to it, 0.01) / the number expected)",
    display: ratioDisplay,
  },
  {
    name: "ctx_fan_in_log_ratio",
    label: "recipient's plain payments from new senders in the last ~10 min",
    description:
      "log10(max(recent plain payments to the recipient from senders new to it, 0.01) / the number expected)",
    display: ratioDisplay,
  },
  {
    name: "ctx_new_sender_value_z",
    label: "value",
    description: "ctx_value_z for a sender's first transaction (against what new senders move); 0 otherwise",
    display: zDisplay("what new senders move"),
  },
];

/** Like the context package's reasons: seconds, minutes, hours, days as people read them. */
function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${formatNumber(Number((seconds / 3_600).toPrecision(3)))} h`;
  return `${formatNumber(Number((seconds / 86_400).toPrecision(3)))} days`;
}

/**
 * Feature spec 2 = spec 1 + these, in this order: what a transaction looked like against its sender's and
 * recipient's history. @chainwatch/context computes them (from the address state before the transaction's
 * own update); they are listed here so model files and the store name them the same way.
 */
export const CONTEXT_FEATURE_NAMES: readonly string[] = Object.freeze(
  CONTEXT_FEATURES.map((feature) => feature.name),
);

export const SPEC_2_FEATURE_NAMES: readonly string[] = Object.freeze([
  ...FEATURE_NAMES,
  ...CONTEXT_FEATURE_NAMES,
]);
export const SPEC_2_FEATURE_COUNT = SPEC_2_FEATURE_NAMES.length;

/**
 * The feature specs this build reads, by version. FEATURE_SPEC_VERSION (1) stays what a transaction alone
 * gives (extractFeatures, the default model); spec 2 also needs the address context, so only callers that
 * have it (the scoring service, the context trainer) build its rows.
 */
export const FEATURE_SPECS: Readonly<Record<number, readonly string[]>> = Object.freeze({
  1: FEATURE_NAMES,
  2: SPEC_2_FEATURE_NAMES,
});

/** Whether a model of this spec reads context features (a registry may record the version as text). */
export function usesContextFeatures(featureSpecVersion: number | string): boolean {
  return Number(featureSpecVersion) === 2;
}
