import { formatScore, formatTime } from "../format.ts";

export interface ScorePoint {
  /** The transaction hash: a batch stores many at the same instant with the same score. */
  id: string;
  at: string;
  score: number | null;
  isAnomaly: boolean;
}

const WIDTH = 300;
const HEIGHT = 80;
const PAD = 6;

/**
 * Risk score over time as a small SVG line: x is the scoring time (oldest left), y the score on a fixed 0–1
 * axis so two addresses' charts compare. Anomalies are drawn as larger, filled points. The same numbers are in
 * the table beside it; the chart's label sums them up for screen readers.
 */
export function ScoreChart({ points }: { points: readonly ScorePoint[] }) {
  const scored = points
    .filter((point): point is ScorePoint & { score: number } => point.score !== null)
    .map((point) => ({ ...point, time: new Date(point.at).getTime() }))
    .sort((a, b) => a.time - b.time);
  if (scored.length === 0) return null;
  const first = scored[0]?.time ?? 0;
  const span = (scored.at(-1)?.time ?? first) - first;
  const x = (time: number) => (span === 0 ? WIDTH / 2 : PAD + ((time - first) / span) * (WIDTH - 2 * PAD));
  const y = (score: number) => PAD + (1 - score) * (HEIGHT - 2 * PAD);
  const anomalies = scored.filter((point) => point.isAnomaly).length;
  const highest = Math.max(...scored.map((point) => point.score));
  const label = `Risk score of ${scored.length} transactions from ${formatTime(scored[0]?.at ?? null)} to ${formatTime(scored.at(-1)?.at ?? null)}: highest ${formatScore(highest)}, ${anomalies} flagged as anomalies`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="score-chart" role="img" aria-label={label}>
        <line x1={0} x2={WIDTH} y1={y(0.5)} y2={y(0.5)} className="score-threshold" />
        <polyline
          fill="none"
          className="score-line"
          points={scored.map((point) => `${x(point.time).toFixed(1)},${y(point.score).toFixed(1)}`).join(" ")}
        />
        {scored.map((point) => (
          <circle
            key={point.id}
            cx={x(point.time).toFixed(1)}
            cy={y(point.score).toFixed(1)}
            r={point.isAnomaly ? 4 : 2.5}
            className={point.isAnomaly ? "score-point anomaly" : "score-point"}
          />
        ))}
      </svg>
      <figcaption>Risk score over time (0 at the bottom, 1 at the top; the line marks 0.5)</figcaption>
    </figure>
  );
}
