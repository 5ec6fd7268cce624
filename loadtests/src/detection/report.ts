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

const CELL = 26;
const cell = (metrics: KindMetrics) =>
  `${auc(metrics.rocAuc)}  ${percent(metrics.recall).padStart(7)} (${metrics.flagged})`.padEnd(CELL);

/**
 * Rows: overall, each kind, normal traffic flagged; columns: the detectors side by side, each with
 * ROC-AUC (ranking) and recall of its verdict (flagged of n).
 */
export function formatReport(traffic: ContextualTraffic, columns: readonly ReportColumn[]): string {
  const first = columns[0]?.metrics;
  if (!first) return "(no results)";
  const label = (text: string, count?: number) =>
    `${text.padEnd(24)}${(count === undefined ? "" : int(count)).padStart(7)}  │ `;
  const lines = [
    `${"".padEnd(24)}${"n".padStart(7)}  │ ${columns.map((column) => column.name.padEnd(CELL)).join("│ ")}`,
    `${"".padEnd(31)}  │ ${columns.map(() => "ROC-AUC   recall (flagged)".padEnd(CELL)).join("│ ")}`,
    "─".repeat(34 + columns.length * (CELL + 2)),
    `${label("all anomalies", first.overall.transactions)}${columns.map((column) => cell(column.metrics.overall)).join("│ ")}`,
    ...ANOMALY_KINDS.map(
      (kind) =>
        `${label(`  ${kind}`, first.perKind[kind].transactions)}${columns.map((column) => cell(column.metrics.perKind[kind])).join("│ ")}`,
    ),
    `${label("normal traffic flagged", first.normals)}${columns
      .map((column) =>
        `       ${percent(column.metrics.normalFlaggedShare, 2).padStart(7)} (${column.metrics.normalsFlagged})`.padEnd(
          CELL,
        ),
      )
      .join("│ ")}`,
    `${label("precision of the verdict")}${columns
      .map((column) => `       ${percent(column.metrics.precision).padStart(7)}`.padEnd(CELL))
      .join("│ ")}`,
  ];
  const events = traffic.events.length;
  return [
    `second half: ${int(first.normals + first.overall.transactions)} transactions, ${int(first.overall.transactions)} labelled anomalous in ${events} injected events`,
    ...lines,
  ].join("\n");
}
