import type { ModelVersion } from "@chainwatch/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { unwrap } from "../api/errors.ts";
import { can, useAuth } from "../auth.tsx";
import { Confirm } from "../components/confirm.tsx";
import { ErrorNotice, QueryState } from "../components/states.tsx";
import { formatTime } from "../format.ts";
import { CompareModels } from "./model-compare.tsx";
import { DriftReports } from "./model-drift.tsx";

type Strategy = "shadow" | "canary" | "full";

export function ModelsPage() {
  const { client, principal } = useAuth();
  const queryClient = useQueryClient();
  const models = useQuery({
    queryKey: ["models"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/models", { signal })),
    refetchInterval: 5_000,
  });
  const [selected, setSelected] = useState<string | null>(null);
  const [pending, setPending] = useState<
    | { kind: "deploy"; version: string; strategy: Strategy; percent: number }
    | { kind: "endCanary"; version: string }
    | { kind: "rollback" }
    | null
  >(null);
  const change = useMutation({
    mutationFn: async (action: NonNullable<typeof pending>) =>
      action.kind === "rollback"
        ? unwrap(await client.POST("/api/v1/models/rollback", { body: {} }))
        : action.kind === "endCanary"
          ? unwrap(
              await client.PUT("/api/v1/models/{version}/traffic", {
                params: { path: { version: action.version } },
                body: { percent: 0 },
              }),
            )
          : unwrap(
              await client.POST("/api/v1/models/{version}/deploy", {
                params: { path: { version: action.version } },
                body: {
                  strategy: action.strategy,
                  ...(action.strategy === "canary" ? { trafficPercent: action.percent } : {}),
                },
              }),
            ),
    onSuccess: async () => {
      setPending(null);
      await queryClient.invalidateQueries({ queryKey: ["models"] });
      await queryClient.invalidateQueries({ queryKey: ["model"] });
    },
  });
  const canManage = can(principal, "manageModels");
  // Comparing reads stored predictions in bulk: the gateway grants it to analysts and admins only.
  const canAnalyze = can(principal, "analyzeModels");

  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <QueryState query={models} what="the model registry">
        {(data) => (
          <>
            <h2>Serving set</h2>
            <dl className="fields" aria-label="Serving set">
              <dt>active</dt>
              <dd className="mono">{data.activeSet.active?.version ?? "none"}</dd>
              <dt>canary</dt>
              <dd>
                {data.activeSet.canary ? (
                  <>
                    <span className="mono">{data.activeSet.canary.version}</span> at{" "}
                    {data.activeSet.canary.trafficPercent} % of traffic
                  </>
                ) : (
                  "none"
                )}
              </dd>
              <dt>shadows</dt>
              <dd className="mono">
                {data.activeSet.shadows.map((shadow) => shadow.version).join(", ") || "none"}
              </dd>
              <dt>served here</dt>
              <dd>
                {data.serving.revision === data.activeSet.revision
                  ? "this gateway serves the registry's latest set"
                  : "this gateway has not loaded the latest set yet"}
              </dd>
            </dl>
            {canManage && (
              <p>
                <button type="button" className="secondary" onClick={() => setPending({ kind: "rollback" })}>
                  Roll back…
                </button>
              </p>
            )}
            {pending && (
              <Confirm
                message={
                  pending.kind === "rollback"
                    ? "Roll back? The model that was active before the current one serves again; the current active model and any canary become inactive. Every replica follows within its refresh interval."
                    : pending.kind === "endCanary"
                      ? `End the canary of ${pending.version}? The active model takes all traffic again.`
                      : `Deploy ${pending.version} as ${pending.strategy}${pending.strategy === "canary" ? ` on ${pending.percent} % of traffic` : ""}? Every replica follows within its refresh interval.`
                }
                confirmLabel={
                  pending.kind === "rollback"
                    ? "Roll back"
                    : pending.kind === "endCanary"
                      ? "End canary"
                      : "Deploy"
                }
                onConfirm={() => change.mutate(pending)}
                onCancel={() => {
                  setPending(null);
                  change.reset();
                }}
                isBusy={change.isPending}
              />
            )}
            {change.error && <ErrorNotice error={change.error} title="The change was refused" />}
            <h2>Versions</h2>
            <table className="table">
              <caption className="visually-hidden">Registered model versions</caption>
              <thead>
                <tr>
                  <th scope="col">version</th>
                  <th scope="col">status</th>
                  <th scope="col">traffic</th>
                  <th scope="col">registered</th>
                  <th scope="col">actions</th>
                </tr>
              </thead>
              <tbody>
                {data.versions.map((version) => (
                  <VersionRow
                    key={version.version}
                    version={version}
                    canManage={canManage}
                    onHistory={() => setSelected(version.version)}
                    onDeploy={(strategy, percent) =>
                      setPending({ kind: "deploy", version: version.version, strategy, percent })
                    }
                    onEndCanary={() => setPending({ kind: "endCanary", version: version.version })}
                  />
                ))}
              </tbody>
            </table>
            {selected && <History version={selected} />}
            {canAnalyze && (
              <>
                <h2>Compare</h2>
                <CompareModels versions={data.versions} active={data.activeSet.active?.version ?? null} />
              </>
            )}
          </>
        )}
      </QueryState>
      <DriftReports />
    </section>
  );
}

function VersionRow({
  version,
  canManage,
  onHistory,
  onDeploy,
  onEndCanary,
}: {
  version: ModelVersion;
  canManage: boolean;
  onHistory: () => void;
  onDeploy: (strategy: Strategy, percent: number) => void;
  onEndCanary: () => void;
}) {
  // A canary's next step is promotion; anything else is usually tried as a canary first.
  const [strategy, setStrategy] = useState<Strategy>(version.status === "canary" ? "full" : "canary");
  const [percent, setPercent] = useState(10);
  const id = `deploy-${version.version}`;
  return (
    <tr>
      <td className="mono">{version.version}</td>
      <td>{version.status}</td>
      <td>{version.trafficPercent} %</td>
      <td>{formatTime(version.createdAt)}</td>
      <td className="row-actions">
        <button type="button" className="link-button" onClick={onHistory}>
          History<span className="visually-hidden"> of {version.version}</span>
        </button>
        {canManage && version.status === "canary" && (
          <button
            type="button"
            className="secondary"
            aria-label={`End the canary of ${version.version}`}
            onClick={onEndCanary}
          >
            End canary…
          </button>
        )}
        {canManage && version.status !== "active" && (
          <span className="deploy">
            <label htmlFor={`${id}-strategy`} className="visually-hidden">
              Strategy for {version.version}
            </label>
            <select
              id={`${id}-strategy`}
              value={strategy}
              onChange={(e) => setStrategy(e.target.value as Strategy)}
            >
              <option value="canary">canary</option>
              <option value="shadow">shadow</option>
              <option value="full">full</option>
            </select>
            {strategy === "canary" && (
              <>
                <label htmlFor={`${id}-percent`} className="visually-hidden">
                  Canary traffic percent for {version.version}
                </label>
                <input
                  id={`${id}-percent`}
                  type="number"
                  min={1}
                  max={99}
                  value={percent}
                  onChange={(e) => setPercent(Number(e.target.value))}
                />
                %
              </>
            )}
            <button
              type="button"
              aria-label={`Deploy ${version.version}`}
              onClick={() => onDeploy(strategy, percent)}
            >
              Deploy…
            </button>
          </span>
        )}
      </td>
    </tr>
  );
}

function History({ version }: { version: string }) {
  const { client } = useAuth();
  const detail = useQuery({
    queryKey: ["model", version],
    queryFn: async ({ signal }) =>
      unwrap(await client.GET("/api/v1/models/{version}", { params: { path: { version } }, signal })),
  });
  return (
    <>
      <h2>
        History of <span className="mono">{version}</span>
      </h2>
      <QueryState query={detail} what="the history">
        {(data) =>
          data.history.length === 0 ? (
            <p>No deployments recorded.</p>
          ) : (
            <ol className="history">
              {data.history.map((entry) => (
                <li key={entry.id}>
                  {formatTime(entry.createdAt)}: {entry.action}
                  {entry.strategy ? ` (${entry.strategy}` : ""}
                  {entry.trafficPercent !== null ? `, ${entry.trafficPercent} %` : ""}
                  {entry.strategy ? ")" : ""} by {entry.actor}
                </li>
              ))}
            </ol>
          )
        }
      </QueryState>
    </>
  );
}
