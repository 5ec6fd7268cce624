import type { ReviewStats } from "@chainwatch/client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { Field } from "../components/field.tsx";
import { Empty, QueryState } from "../components/states.tsx";

const WINDOWS_DAYS = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

const percent = (precision: number | null) =>
  precision === null ? "–" : `${(precision * 100).toFixed(1)} %`;

/**
 * Precision of reviewed anomalies (confirmed ÷ reviewed), overall and per reason code that counted in the
 * verdict: the number that says which rule or context check wastes analysts' time. Bars are plain elements
 * with the figure beside them, so a screen reader reads the table and the chart adds nothing it lacks.
 */
export function ReviewStatsSection() {
  const { client } = useAuth();
  const [days, setDays] = useState<(typeof WINDOWS_DAYS)[number]>(30);
  const stats = useQuery({
    queryKey: ["review-stats", days],
    queryFn: async ({ signal }) => {
      // Rounded to the minute so the key's window does not move on every render.
      const until = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
      const since = new Date(until.getTime() - days * DAY_MS);
      return unwrap(
        await client.GET("/api/v1/anomalies/review-stats", {
          params: { query: { since: since.toISOString(), until: until.toISOString() } },
          signal,
        }),
      );
    },
  });
  return (
    <>
      <h2>Review precision</h2>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Review window">
        <Field id="review-window" label="Window">
          <select
            id="review-window"
            value={days}
            onChange={(e) => setDays(Number(e.target.value) as (typeof WINDOWS_DAYS)[number])}
          >
            {WINDOWS_DAYS.map((value) => (
              <option key={value} value={value}>
                last {value} days
              </option>
            ))}
          </select>
        </Field>
      </form>
      <QueryState query={stats} what="the review statistics">
        {(data) => <ReviewStatsTable stats={data} />}
      </QueryState>
    </>
  );
}

export function ReviewStatsTable({ stats }: { stats: ReviewStats }) {
  if (stats.reviewed === 0) return <Empty>No anomaly reviewed in this window.</Empty>;
  return (
    <>
      <p>
        {stats.reviewed} reviewed: {stats.confirmed} confirmed, {stats.falsePositives} false positives;
        precision <strong>{percent(stats.precision)}</strong>.
      </p>
      <table className="table">
        <caption className="visually-hidden">Precision by reason code, most reviewed first</caption>
        <thead>
          <tr>
            <th scope="col">reason code</th>
            <th scope="col">reviewed</th>
            <th scope="col">confirmed</th>
            <th scope="col">false positives</th>
            <th scope="col">precision</th>
          </tr>
        </thead>
        <tbody>
          {stats.byReason.map((row) => (
            <tr key={row.code}>
              <td>
                <code>{row.code}</code>
              </td>
              <td>{row.reviewed}</td>
              <td>{row.confirmed}</td>
              <td>{row.falsePositives}</td>
              <td>
                <span className="precision">
                  <span className="bar-track" aria-hidden="true">
                    <span className="bar" style={{ width: `${Math.round((row.precision ?? 0) * 100)}%` }} />
                  </span>
                  {percent(row.precision)}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
