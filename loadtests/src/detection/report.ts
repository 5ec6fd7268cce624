import type { ContextualTraffic } from "./contextual-traffic.ts";
import type { DetectionMetrics, KindMetrics } from "./metrics.ts";
import { ANOMALY_KINDS } from "./traffic-options.ts";

/** One column of the table: a detector and what it measured on the second half. */
export interface ReportColumn {
  name: string;
  metrics: DetectionMetrics;
}

const int = (value: number) => value.toLocaleString("en-US");
const auc = (value: number) => (Number.isNaN(value) ? "  n/a" : value.toFixed(3));
const percent = (value: number, digits = 1) =>
  Number.isNaN(value) ? "n/a" : `${(value * 100).toFixed(digits)} %`;

const MIN_CELL = 26;

/**
 * Rows: overall, each kind, normal traffic flagged; columns: the detectors side by side, each with
 * ROC-AUC (ranking) and recall of its verdict (flagged of n).
 */
export function formatReport(traffic: ContextualTraffic, columns: readonly ReportColumn[]): string {
  const first = columns[0]?.metrics;
  if (!first) return "(no results)";
  // Each column as wide as its detector's name needs ("embedded+baseline (riskScore)"), at least MIN_CELL.
  const widths = columns.map((column) => Math.max(MIN_CELL, column.name.length + 1));
  const row = (text: (column: ReportColumn) => string) =>
    columns.map((column, index) => text(column).padEnd(widths[index] ?? MIN_CELL)).join("│ ");
  const cell = (metrics: KindMetrics) =>
    `${auc(metrics.rocAuc)}  ${percent(metrics.recall).padStart(7)} (${metrics.flagged})`;
  const label = (text: string, count?: number) =>
    `${text.padEnd(24)}${(count === undefined ? "" : int(count)).padStart(7)}  │ `;
  const lines = [
    `${"".padEnd(24)}${"n".padStart(7)}  │ ${row((column) => column.name)}`,
    `${"".padEnd(31)}  │ ${row(() => "ROC-AUC   recall (flagged)")}`,
    "─".repeat(34 + widths.reduce((sum, width) => sum + width + 2, 0)),
    `${label("all anomalies", first.overall.transactions)}${row((column) => cell(column.metrics.overall))}`,
    ...ANOMALY_KINDS.map(
      (kind) =>
        `${label(`  ${kind}`, first.perKind[kind].transactions)}${row((column) => cell(column.metrics.perKind[kind]))}`,
    ),
    `${label("normal traffic flagged", first.normals)}${row(
      (column) =>
        `       ${percent(column.metrics.normalFlaggedShare, 2).padStart(7)} (${column.metrics.normalsFlagged})`,
    )}`,
    `${label("precision of the verdict")}${row((column) => `       ${percent(column.metrics.precision).padStart(7)}`)}`,
  ];
  const events = traffic.events.length;
  return [
    `second half: ${int(first.normals + first.overall.transactions)} transactions, ${int(first.overall.transactions)} labelled anomalous in ${events} injected events`,
    ...lines,
  ].join("\n");
}
