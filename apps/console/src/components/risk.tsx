import type { FeatureContribution, Reason } from "@chainwatch/client";
import { formatScore } from "../format.ts";

type Level = "low" | "medium" | "high" | "critical";

/** The level in words and colour (never colour alone), with the score beside it. */
export function RiskBadge({ level, score }: { level: Level | null; score?: number | null }) {
  return (
    <span className={`badge badge-${level ?? "none"}`}>
      {level ?? "unscored"}
      {score !== undefined ? ` ${formatScore(score)}` : ""}
    </span>
  );
}

/** Six significant digits: the stored ratio 4999.999999999 reads as 5000. */
export const formatNumber = (value: number) => String(Number(value.toPrecision(6)));

/** Every reason with its sentence, code, kind and the numbers behind it. */
export function ReasonList({ reasons }: { reasons: readonly Reason[] }) {
  if (reasons.length === 0) return <p>No reasons recorded.</p>;
  return (
    <ul className="reasons">
      {reasons.map((reason) => (
        <li key={reason.code} className={reason.suppressed ? "reason suppressed" : "reason"}>
          <p className="reason-message">{reason.message}</p>
          <p className="reason-meta">
            <code>{reason.code}</code> · {reason.kind}
            {reason.suppressed ? " · suppressed" : ""} · surprise {reason.surprise.toFixed(2)}
          </p>
          {Object.keys(reason.data).length > 0 && (
            <dl className="reason-data">
              {Object.entries(reason.data).map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd>{typeof value === "number" ? formatNumber(value) : String(value)}</dd>
                </div>
              ))}
            </dl>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * The model's explanation as a horizontal bar chart: one bar per feature, its length the contribution
 * relative to the largest. Plain elements rather than a canvas, so a screen reader reads each bar as text
 * (the feature, its value and contribution), and the bars need no charting runtime in the initial bundle.
 */
export function ExplanationChart({ explanation }: { explanation: readonly FeatureContribution[] }) {
  if (explanation.length === 0) return <p>The model gave no explanation for this score.</p>;
  const sorted = [...explanation].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const largest = Math.max(...sorted.map((item) => Math.abs(item.contribution)), Number.EPSILON);
  return (
    <figure className="chart">
      <figcaption>Model explanation: contribution of each feature to the anomaly score</figcaption>
      <ul className="bars">
        {sorted.map((item) => {
          const percent = Math.round((Math.abs(item.contribution) / largest) * 100);
          return (
            <li key={item.feature} className="bar-row">
              <span className="bar-label">{item.feature}</span>
              <span className="bar-track" aria-hidden="true">
                <span className={`bar bar-${item.direction ?? "none"}`} style={{ width: `${percent}%` }} />
              </span>
              <span className="bar-value">
                {item.contribution.toFixed(3)}
                <span className="visually-hidden">
                  {` contribution; value ${item.value}${item.direction ? `, unusually ${item.direction}` : ""}`}
                </span>
              </span>
              <span className="bar-reason">{item.reason}</span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
