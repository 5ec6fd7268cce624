import type { StoredDriftReport } from "@chainwatch/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { unwrap } from "../api/errors.ts";
import { can, useAuth } from "../auth.tsx";
import { DriftChart } from "../components/drift-chart.tsx";
import { Empty, ErrorNotice, QueryState } from "../components/states.tsx";
import { formatPsi, formatTime } from "../format.ts";

interface FeatureDrift {
  feature: string;
  psi: number | string;
  ksPValue: number;
  meanShift: number;
  isDrifted: boolean;
}

/**
 * The per-feature lines of a stored report. `report` is the whole report as jsonb (typed as an open object in
 * the API), so each line is checked; an infinite PSI comes back as the string "Infinity".
 */
function featuresOf(report: StoredDriftReport): FeatureDrift[] {
  const features = report.report.features;
  if (!Array.isArray(features)) return [];
  return features.filter(
    (line): line is FeatureDrift =>
      typeof line === "object" &&
      line !== null &&
      typeof line.feature === "string" &&
      (typeof line.psi === "number" || typeof line.psi === "string") &&
      typeof line.ksPValue === "number" &&
      typeof line.meanShift === "number" &&
      typeof line.isDrifted === "boolean",
  );
}

/** Recorded drift checks as a chart, the latest one's drifted features, and a check on demand. */
export function DriftReports() {
  const { client, principal } = useAuth();
  const queryClient = useQueryClient();
  const reports = useQuery({
    queryKey: ["models", "drift"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/models/drift", { signal })),
  });
  const check = useMutation({
    mutationFn: async () => unwrap(await client.POST("/api/v1/models/drift", { body: {} })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["models", "drift"] }),
  });

  return (
    <section aria-labelledby="drift-title">
      <h2 id="drift-title">Drift</h2>
      {can(principal, "analyzeModels") && (
        <p>
          <button
            type="button"
            className="secondary"
            disabled={check.isPending}
            onClick={() => check.mutate()}
          >
            {check.isPending ? "Checking drift…" : "Check drift now"}
          </button>
        </p>
      )}
      {check.error && <ErrorNotice error={check.error} title="The drift check failed" />}
      <QueryState query={reports} what="the drift reports">
        {(data) => {
          const latest = data.reports[0];
          if (!latest) return <Empty>No drift checks recorded yet.</Empty>;
          const drifted = featuresOf(latest).filter((line) => line.isDrifted);
          return (
            <>
              <DriftChart reports={data.reports} />
              <p>
                Latest check {formatTime(latest.createdAt)} ({latest.trigger}, by {latest.requestedBy}) of{" "}
                <span className="mono">{latest.modelVersion}</span> over {latest.recentRows} transactions:
                severity <strong>{latest.severity}</strong>, largest PSI {formatPsi(latest.maxPsi)}.
              </p>
              {latest.insufficientData ? (
                <Empty>Too few recent transactions to judge drift in the latest check.</Empty>
              ) : drifted.length === 0 ? (
                <Empty>No feature drifted in the latest check.</Empty>
              ) : (
                <table className="table">
                  <caption>Drifted features in the latest check</caption>
                  <thead>
                    <tr>
                      <th scope="col">feature</th>
                      <th scope="col">PSI</th>
                      <th scope="col">KS p-value</th>
                      <th scope="col">mean shift (training std)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {drifted.map((line) => (
                      <tr key={line.feature}>
                        <td className="mono">{line.feature}</td>
                        <td>{formatPsi(line.psi)}</td>
                        <td>{line.ksPValue.toPrecision(2)}</td>
                        <td>{line.meanShift.toFixed(2)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
