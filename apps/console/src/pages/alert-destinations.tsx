import type { AlertDestination, paths } from "@chainwatch/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { Confirm } from "../components/confirm.tsx";
import { Field } from "../components/field.tsx";
import { ErrorNotice } from "../components/states.tsx";

type Kind = AlertDestination["kind"];
type Level = AlertDestination["policy"]["minLevel"];
type TestResult =
  paths["/api/v1/alerts/destinations/{id}/test"]["post"]["responses"]["200"]["content"]["application/json"];

const LEVELS: readonly Level[] = ["low", "medium", "high", "critical"];

/**
 * A new destination: a signed webhook, a Slack-compatible webhook or the log. The webhook's signing secret is
 * shown here once (the gateway never returns it again); a Slack URL is shown back by scheme and host only.
 */
export function CreateDestination() {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind>("webhook");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [minLevel, setMinLevel] = useState<Level>("low");
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const create = useMutation({
    mutationFn: async () => {
      const policy = { minLevel };
      const body =
        kind === "log"
          ? { kind, name: name.trim(), policy }
          : { kind, name: name.trim(), url: url.trim(), policy };
      return unwrap(await client.POST("/api/v1/alerts/destinations", { body }));
    },
    onSuccess: async (created) => {
      setSecret(
        created.signingSecret ? { name: created.destination.name, secret: created.signingSecret } : null,
      );
      setName("");
      setUrl("");
      await queryClient.invalidateQueries({ queryKey: ["alerts", "destinations"] });
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <h2>Add a destination</h2>
      <form className="filters" onSubmit={onSubmit} aria-label="Add a destination">
        <Field id="destination-kind" label="Kind">
          <select id="destination-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="webhook">webhook (signed)</option>
            <option value="slack">Slack-compatible webhook</option>
            <option value="log">log</option>
          </select>
        </Field>
        <Field id="destination-name" label="Name">
          <input
            id="destination-name"
            value={name}
            required
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        {kind !== "log" && (
          <Field id="destination-url" label="URL">
            <input
              id="destination-url"
              type="url"
              value={url}
              required
              maxLength={2000}
              placeholder="https://"
              onChange={(e) => setUrl(e.target.value)}
            />
          </Field>
        )}
        <Field id="destination-level" label="Lowest level">
          <select
            id="destination-level"
            value={minLevel}
            onChange={(e) => setMinLevel(e.target.value as Level)}
          >
            {LEVELS.map((level) => (
              <option key={level} value={level}>
                {level}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={create.isPending}>
          Add destination
        </button>
      </form>
      {create.error && <ErrorNotice error={create.error} title="The destination was not added" />}
      {secret && (
        <div className="notice" role="status">
          Signing secret of “{secret.name}”, shown once (receivers verify <code>webhook-signature</code> with
          it): <code className="break">{secret.secret}</code>
        </div>
      )}
    </>
  );
}

const describePolicy = (policy: AlertDestination["policy"]) =>
  [
    `${policy.minLevel} and above`,
    policy.reasonCodes?.length ? `codes ${policy.reasonCodes.join(", ")}` : null,
    policy.reasonKinds?.length ? `kinds ${policy.reasonKinds.join(", ")}` : null,
    policy.addresses?.length ? `${policy.addresses.length} watched addresses` : null,
    policy.rateCap ? `at most ${policy.rateCap.maxPerWindow} per ${policy.rateCap.windowSeconds} s` : null,
    policy.mutes?.length ? `${policy.mutes.length} mutes` : null,
  ]
    .filter(Boolean)
    .join(" · ");

/** The receiver's answer to a test alert, as the gateway reports it. */
export function describeTest(result: TestResult): string {
  const answer = result.statusCode === null ? "no HTTP answer" : `HTTP ${result.statusCode}`;
  return result.delivered
    ? `delivered (${answer}) in ${result.latencyMs} ms`
    : `failed (${answer}) after ${result.latencyMs} ms${result.error ? `: ${result.error}` : ""}`;
}

/**
 * The destinations with their policy; admins enable or disable one, send it a test alert (sent at once, not
 * queued) and delete it after a confirmation (its queued and dead-lettered deliveries go with it).
 */
export function DestinationTable({
  destinations,
  canManage,
}: {
  destinations: readonly AlertDestination[];
  canManage: boolean;
}) {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<AlertDestination | null>(null);
  const [tested, setTested] = useState<{ name: string; result: TestResult } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["alerts"] });
  const toggle = useMutation({
    mutationFn: async (destination: AlertDestination) =>
      unwrap(
        await client.PUT("/api/v1/alerts/destinations/{id}", {
          params: { path: { id: destination.id } },
          body: { enabled: !destination.enabled },
        }),
      ),
    onSuccess: refresh,
  });
  const test = useMutation({
    mutationFn: async (destination: AlertDestination) => ({
      name: destination.name,
      result: unwrap(
        await client.POST("/api/v1/alerts/destinations/{id}/test", {
          params: { path: { id: destination.id } },
        }),
      ),
    }),
    onMutate: () => setTested(null),
    onSuccess: setTested,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.DELETE("/api/v1/alerts/destinations/{id}", { params: { path: { id } } })),
    onSuccess: async () => {
      setDeleting(null);
      await refresh();
    },
  });
  return (
    <>
      {toggle.error && <ErrorNotice error={toggle.error} title="The destination was not changed" />}
      {test.error && <ErrorNotice error={test.error} title="The test alert was not sent" />}
      {tested && (
        <p className="notice" role="status">
          Test alert to “{tested.name}”: {describeTest(tested.result)}. Message id{" "}
          <code className="break">{tested.result.messageId}</code>
        </p>
      )}
      <table className="table">
        <caption className="visually-hidden">Alert destinations</caption>
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col">kind</th>
            <th scope="col">target</th>
            <th scope="col">policy</th>
            <th scope="col">state</th>
            {canManage && <th scope="col">actions</th>}
          </tr>
        </thead>
        <tbody>
          {destinations.map((destination) => (
            <tr key={destination.id}>
              <td>
                {destination.name}
                <div className="hint mono">{destination.id}</div>
              </td>
              <td>{destination.kind}</td>
              <td className="mono break">{destination.url ?? "the dispatcher's log"}</td>
              <td>{describePolicy(destination.policy)}</td>
              <td>{destination.enabled ? "enabled" : "disabled"}</td>
              {canManage && (
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Send test alert to ${destination.name}`}
                      onClick={() => test.mutate(destination)}
                      disabled={test.isPending}
                    >
                      Send test
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`${destination.enabled ? "Disable" : "Enable"} ${destination.name}`}
                      onClick={() => toggle.mutate(destination)}
                      disabled={toggle.isPending}
                    >
                      {destination.enabled ? "Disable" : "Enable"}
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Delete ${destination.name}`}
                      onClick={() => setDeleting(destination)}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {deleting && (
        <Confirm
          message={`Delete “${deleting.name}”? Its queued and dead-lettered deliveries are deleted with it.`}
          confirmLabel="Delete"
          onConfirm={() => remove.mutate(deleting.id)}
          onCancel={() => setDeleting(null)}
          isBusy={remove.isPending}
        />
      )}
      {remove.error && <ErrorNotice error={remove.error} title="The destination was not deleted" />}
    </>
  );
}
