import type { ModelComparison, ModelVersion } from "@chainwatch/client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { Empty, ErrorNotice } from "../components/states.tsx";
import { formatRate, formatScore, formatTime } from "../format.ts";

const WINDOWS_HOURS = [1, 24, 24 * 7, 24 * 30] as const;
const windowLabel = (hours: number) => (hours < 24 ? `last ${hours} h` : `last ${hours / 24} d`);

/**
 * Two versions side by side over a recent window, as the gateway's compare operation measures them from stored
 * predictions (served and shadow): flag rates, score quantiles, reviewed false positives and agreement.
 */
export function CompareModels({
  versions,
  active,
}: {
  versions: readonly ModelVersion[];
  active: string | null;
}) {
  const { client } = useAuth();
  const names = versions.map((version) => version.version);
  // The usual question is the active model against a candidate: a shadow, a canary or a newly trained one.
  const [first, setFirst] = useState(active ?? names[0] ?? "");
  const [second, setSecond] = useState(names.find((name) => name !== first) ?? "");
  const [hours, setHours] = useState<number>(24);
  const compare = useMutation({
    mutationFn: async (request: { versions: [string, string]; hours: number }) => {
      const until = new Date();
      const since = new Date(until.getTime() - request.hours * 3_600_000);
      return unwrap(
        await client.POST("/api/v1/models/compare", {
          body: { versions: request.versions, since: since.toISOString(), until: until.toISOString() },
        }),
      );
    },
  });
  if (names.length < 2) return <Empty>Comparing needs two registered versions.</Empty>;

  return (
    <>
      <form
        className="row-actions"
        aria-label="Compare two versions"
        onSubmit={(event) => {
          event.preventDefault();
          compare.mutate({ versions: [first, second], hours });
        }}
      >
        <VersionSelect
          id="compare-first"
          label="First version"
          value={first}
          names={names}
          onChange={setFirst}
        />
        <VersionSelect
          id="compare-second"
          label="Second version"
          value={second}
          names={names}
          onChange={setSecond}
        />
        <label htmlFor="compare-window">Window</label>
        <select id="compare-window" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
          {WINDOWS_HOURS.map((option) => (
            <option key={option} value={option}>
              {windowLabel(option)}
            </option>
          ))}
        </select>
        <button type="submit" disabled={compare.isPending || first === second || !first || !second}>
          {compare.isPending ? "Comparing…" : "Compare"}
        </button>
      </form>
      {first === second && <p>Pick two different versions.</p>}
      {compare.isPending && (
        <p className="notice" role="status" aria-live="polite">
          Comparing {first} and {second}…
        </p>
      )}
      {compare.error && <ErrorNotice error={compare.error} title="The comparison failed" />}
      {compare.data && !compare.isPending && <Comparison result={compare.data} />}
    </>
  );
}

function VersionSelect({
  id,
  label,
  value,
  names,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  names: readonly string[];
  onChange: (name: string) => void;
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </>
  );
}

type Side = ModelComparison["versions"][number];

// The generated answer type loses the pair's tuple shape on the way through openapi-fetch, hence the array.
function Comparison({
  result,
}: {
  result: Omit<ModelComparison, "versions"> & { versions: readonly Side[] };
}) {
  const [a, b] = result.versions;
  if (!a || !b) return null;
  const span = `${formatTime(result.since)} to ${formatTime(result.until)}`;
  if (a.predictions === 0 && b.predictions === 0)
    return <Empty>Neither version scored a transaction from {span}.</Empty>;
  const rows: [string, (side: Side) => string][] = [
    ["transactions scored", (side) => String(side.predictions)],
    ["anomalies", (side) => String(side.anomalies)],
    ["flag rate", (side) => formatRate(side.anomalyRate)],
    ["score p50", (side) => formatScore(side.scoreQuantiles?.p50 ?? null)],
    ["score p90", (side) => formatScore(side.scoreQuantiles?.p90 ?? null)],
    ["score p99", (side) => formatScore(side.scoreQuantiles?.p99 ?? null)],
    ["reviewed anomalies", (side) => String(side.reviewed)],
    ["false positives", (side) => String(side.falsePositives)],
    ["false-positive rate", (side) => formatRate(side.falsePositiveRate)],
  ];
  const { agreement } = result;
  return (
    <>
      <table className="table">
        <caption>Compared from {span}</caption>
        <thead>
          <tr>
            <th scope="col">measure</th>
            <th scope="col" className="mono">
              {a.version}
            </th>
            <th scope="col" className="mono">
              {b.version}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{value(a)}</td>
              <td>{value(b)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {agreement.scoredByBoth === 0 ? (
        <Empty>
          No transaction was scored by both versions in this window, so their agreement is unknown.
        </Empty>
      ) : (
        <dl className="fields" aria-label="Agreement">
          <dt>scored by both</dt>
          <dd>{agreement.scoredByBoth}</dd>
          <dt>agreement</dt>
          <dd>{formatRate(agreement.agreementRate)}</dd>
          <dt>both anomalous</dt>
          <dd>{agreement.bothAnomalous}</dd>
          <dt>both normal</dt>
          <dd>{agreement.bothNormal}</dd>
          <dt>
            only <span className="mono">{a.version}</span> anomalous
          </dt>
          <dd>{agreement.onlyFirstAnomalous}</dd>
          <dt>
            only <span className="mono">{b.version}</span> anomalous
          </dt>
          <dd>{agreement.onlySecondAnomalous}</dd>
        </dl>
      )}
    </>
  );
}
