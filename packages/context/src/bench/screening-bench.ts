/**
 * Screening's cost: a lookup of both parties per transaction against the shipped lists' size (14,183
 * labels), and applying the labels to a verdict, measured against a baseline in the same run. Then the
 * same with 1,000 reviewers' suppressions loaded beside the labels (a second lookup per transaction).
 * `pnpm --filter @chainwatch/context bench`.
 */
import { createLogger } from "@chainwatch/service-kit";
import type { Reason } from "../reasons.ts";
import { applyLabels } from "../screening/label-reasons.ts";
import {
  createScreeningSet,
  type ScreeningEntry,
  type SuppressionEntry,
} from "../screening/screening-set.ts";
import { combineVerdict } from "../verdict.ts";

const LABELS = 14_183;
const SUPPRESSIONS = 1_000;
const TRANSACTIONS = 200_000;
const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const entries: ScreeningEntry[] = Array.from({ length: LABELS }, (_, i) => ({
  address: address(i * 7 + 1),
  chainId: 1,
  listId: i % 10 === 0 ? "allow" : "phishing",
  listKind: i % 10 === 0 ? "allow" : "deny",
  category: "phishing",
  source: "bench",
  confidence: 1,
  expiresAt: null,
}));
const set = createScreeningSet({
  snapshot: async () => ({ revision: 1, entries }),
  revision: async () => 1,
  intervalMs: 3_600_000,
  logger: createLogger({ name: "bench", level: "silent" }),
});
await set.start();
set.stop();
const suppressions: SuppressionEntry[] = Array.from({ length: SUPPRESSIONS }, (_, i) => ({
  suppressionId: String(i + 1),
  address: address(1_000_000 + i * 100),
  chainId: 1,
  reasonCode: "sender_burst",
  expiresAt: "2999-01-01T00:00:00.000Z",
  anomalyId: null,
}));
const reviewed = createScreeningSet({
  snapshot: async () => ({ revision: 1, entries, suppressions }),
  revision: async () => 1,
  intervalMs: 3_600_000,
  logger: createLogger({ name: "bench", level: "silent" }),
});
await reviewed.start();
reviewed.stop();

// 1 % of transactions touch a labelled address, like real traffic's rare hits.
const parties = Array.from({ length: TRANSACTIONS }, (_, i) => ({
  from: address(i % 100 === 0 ? (i % LABELS) * 7 + 1 : 1_000_000 + i),
  to: address(2_000_000 + i),
}));
const reasons: Reason[] = [{ kind: "context", code: "sender_burst", message: "m", surprise: 1.5, data: {} }];

function time(label: string, work: () => number): number {
  let sink = 0;
  for (let round = 0; round < 2; round++) sink += work(); // warm-up
  const started = process.hrtime.bigint();
  for (let round = 0; round < 5; round++) sink += work();
  const ns = Number(process.hrtime.bigint() - started) / 5 / TRANSACTIONS;
  process.stdout.write(`${label.padEnd(44)} ${ns.toFixed(1)} ns/tx  (checksum ${sink % 1000})\n`);
  return ns;
}

const baseline = time("verdict only (no screening)", () => {
  let flagged = 0;
  for (let i = 0; i < TRANSACTIONS; i++) if (combineVerdict(reasons).isAnomaly) flagged++;
  return flagged;
});
const lookup = time("screen(from, to) only", () => {
  let hits = 0;
  for (const { from, to } of parties) hits += set.screen(from, to).length;
  return hits;
});
const withLabels = time("screen + applyLabels + verdict", () => {
  let flagged = 0;
  for (const { from, to } of parties) {
    const applied = applyLabels(reasons, set.screen(from, to));
    if (combineVerdict(applied.reasons, 0.5, applied.isDenied ? { atLeast: "high" } : {}).isAnomaly)
      flagged++;
  }
  return flagged;
});
// Senders 1,000,000 + i: every 100th transaction's sender (none of them labelled) has a suppression.
const withSuppressions = time("screen + suppressions + applyLabels + verdict", () => {
  let flagged = 0;
  for (const { from, to } of parties) {
    const applied = applyLabels(reasons, reviewed.screen(from, to), reviewed.suppressions(from, to));
    if (combineVerdict(applied.reasons, 0.5, applied.isDenied ? { atLeast: "high" } : {}).isAnomaly)
      flagged++;
  }
  return flagged;
});
process.stdout.write(
  `\n${LABELS} labels, ${TRANSACTIONS} transactions (1 % touching a label); Node ${process.version}\n` +
    `screening adds ${(withLabels - baseline).toFixed(1)} ns per transaction to the verdict (×${(withLabels / baseline).toFixed(2)}); the lookup alone ${lookup.toFixed(1)} ns\n` +
    `with ${SUPPRESSIONS} suppressions loaded (1 % of transactions touching one): ${(withSuppressions - baseline).toFixed(1)} ns per transaction over the verdict (×${(withSuppressions / baseline).toFixed(2)}), ${(withSuppressions - withLabels).toFixed(1)} ns more than labels alone\n`,
);
