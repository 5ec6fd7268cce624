import type { StoredDriftReport } from "@chainwatch/client";
import { formatPsi, formatTime } from "../format.ts";

type DriftPoint = Pick<StoredDriftReport, "id" | "createdAt" | "maxPsi" | "severity">;

const WIDTH = 300;
const HEIGHT = 80;
const PAD = 6;
/**
 * The y axis ends at PSI 1, where severity turns critical: PSI is unbounded (∞ for a bin the reference never
 * filled), and a free axis would squash every check that matters under one outlier. Larger values sit on the top edge.
 */
const PSI_AXIS_MAX = 1;
/** A feature counts as drifted above this PSI (docs/model.md, drift detection). */
const PSI_DRIFTED = 0.2;

/**
 * The largest PSI of each drift check over time as a small SVG line (oldest left), each check a point coloured
 * by its severity with the numbers in its tooltip; the chart's label sums them up for screen readers.
 */
export function DriftChart({ reports }: { reports: readonly DriftPoint[] }) {
  const points = reports
    .map((report) => ({ ...report, time: new Date(report.createdAt).getTime() }))
    .sort((a, b) => a.time - b.time);
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return null;
  const span = last.time - first.time;
  const x = (time: number) =>
    span === 0 ? WIDTH / 2 : PAD + ((time - first.time) / span) * (WIDTH - 2 * PAD);
  const y = (psi: number) =>
    PAD + (1 - Math.min(Math.max(psi, 0), PSI_AXIS_MAX) / PSI_AXIS_MAX) * (HEIGHT - 2 * PAD);
  const highest = points.reduce((top, point) => (point.maxPsi > top.maxPsi ? point : top), first);
  const label = `Largest PSI of ${points.length} drift checks from ${formatTime(first.createdAt)} to ${formatTime(last.createdAt)}: latest ${formatPsi(last.maxPsi)} (${last.severity}), highest ${formatPsi(highest.maxPsi)} (${highest.severity})`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="score-chart" role="img" aria-label={label}>
        <line
          x1={0}
          x2={WIDTH}
          y1={y(PSI_DRIFTED).toFixed(1)}
          y2={y(PSI_DRIFTED).toFixed(1)}
          className="score-threshold"
        />
        <polyline
          fill="none"
          className="score-line"
          points={points
            .map((point) => `${x(point.time).toFixed(1)},${y(point.maxPsi).toFixed(1)}`)
            .join(" ")}
        />
        {points.map((point) => (
          <circle
            key={point.id}
            cx={x(point.time).toFixed(1)}
            cy={y(point.maxPsi).toFixed(1)}
            r={point.severity === "none" ? 2.5 : 4}
            className={`drift-point severity-${point.severity}`}
          >
            <title>{`${formatTime(point.createdAt)}: largest PSI ${formatPsi(point.maxPsi)}, ${point.severity}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption>
        Largest PSI per drift check over time (0 at the bottom, 1 or more at the top; the line marks 0.2,
        above which a feature counts as drifted). Larger points are checks with a severity above none.
      </figcaption>
    </figure>
  );
}
