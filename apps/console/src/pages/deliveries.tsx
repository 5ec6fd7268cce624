import type { AlertDeliveryPage, AlertDestination } from "@chainwatch/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { Field } from "../components/field.tsx";
import { Empty, ErrorNotice, QueryState } from "../components/states.tsx";
import { formatTime, shortHex } from "../format.ts";
import { hrefOf } from "../router.ts";

type Delivery = AlertDeliveryPage["deliveries"][number];
type Status = "all" | Delivery["status"];
const PAGE_SIZE = 50;

/** The delivery's state in words: delivered when, due when, or given up. */
export function describeState(delivery: Delivery): string {
  switch (delivery.status) {
    case "delivered":
      return `delivered ${formatTime(delivery.deliveredAt)}`;
    case "pending":
      return delivery.attempts === 0
        ? `queued, due ${formatTime(delivery.nextAttemptAt)}`
        : `retrying, next ${formatTime(delivery.nextAttemptAt)}`;
    default:
      return "dead (past the maximum age)";
  }
}

const lastAnswer = (delivery: Delivery) =>
  delivery.attempts === 0
    ? "not tried yet"
    : `${delivery.lastStatusCode === null ? "no HTTP answer" : `HTTP ${delivery.lastStatusCode}`}${delivery.lastError ? `: ${delivery.lastError}` : ""}`;

/**
 * The latest deliveries with their status, attempts and the receiver's last answer (polled every 5 s);
 * admins queue a dead one, or all of a destination's dead ones, again with a fresh maximum age. Delivered
 * rows are kept for ALERT_DELIVERED_RETENTION_HOURS, so this is recent history.
 */
export function Deliveries({
  destinations,
  canManage,
}: {
  destinations: readonly AlertDestination[];
  canManage: boolean;
}) {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>("all");
  const [notice, setNotice] = useState<string | null>(null);
  const deliveries = useQuery({
    queryKey: ["alerts", "deliveries", status],
    queryFn: async ({ signal }) =>
      unwrap(
        await client.GET("/api/v1/alerts/deliveries", {
          params: { query: { limit: PAGE_SIZE, ...(status === "all" ? {} : { status }) } },
          signal,
        }),
      ),
    refetchInterval: 5_000,
  });
  const redeliver = useMutation({
    mutationFn: async (target: { ids: string[] } | { destinationId: string }) =>
      unwrap(await client.POST("/api/v1/alerts/dead-letters/redeliver", { body: target })),
    onSuccess: async ({ redelivered }) => {
      setNotice(`${redelivered} ${redelivered === 1 ? "delivery" : "deliveries"} queued again.`);
      await queryClient.invalidateQueries({ queryKey: ["alerts", "deliveries"] });
    },
  });
  const nameOf = (id: string) => destinations.find((destination) => destination.id === id)?.name ?? id;
  return (
    <>
      <h2>Deliveries</h2>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Delivery filters">
        <Field id="delivery-status" label="Status">
          <select id="delivery-status" value={status} onChange={(e) => setStatus(e.target.value as Status)}>
            <option value="all">any status</option>
            <option value="pending">pending</option>
            <option value="delivered">delivered</option>
            <option value="dead">dead</option>
          </select>
        </Field>
      </form>
      {redeliver.error && <ErrorNotice error={redeliver.error} title="Nothing was queued again" />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <QueryState query={deliveries} what="the deliveries">
        {(data) => {
          if (data.deliveries.length === 0)
            return (
              <Empty>
                {status === "all"
                  ? "No delivery yet: one is queued for each destination an anomaly's alert passes."
                  : `No ${status} delivery.`}
              </Empty>
            );
          const deadDestinations = [
            ...new Set(
              data.deliveries.filter((row) => row.status === "dead").map((row) => row.destinationId),
            ),
          ];
          return (
            <>
              {canManage && deadDestinations.length > 0 && (
                <div className="row-actions">
                  {deadDestinations.map((id) => (
                    <button
                      key={id}
                      type="button"
                      className="secondary"
                      onClick={() => redeliver.mutate({ destinationId: id })}
                      disabled={redeliver.isPending}
                    >
                      Redeliver all dead to {nameOf(id)}
                    </button>
                  ))}
                </div>
              )}
              <table className="table">
                <caption className="visually-hidden">Deliveries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">destination</th>
                    <th scope="col">transaction</th>
                    <th scope="col">status</th>
                    <th scope="col">attempts</th>
                    <th scope="col">last answer</th>
                    <th scope="col">queued</th>
                    {canManage && <th scope="col">action</th>}
                  </tr>
                </thead>
                <tbody>
                  {data.deliveries.map((delivery) => (
                    <tr key={delivery.id}>
                      <td>{nameOf(delivery.destinationId)}</td>
                      <td className="mono">
                        <a
                          href={hrefOf({ page: "transaction", hash: delivery.hash, anomalyId: null })}
                          title={delivery.hash}
                        >
                          {shortHex(delivery.hash)}
                        </a>
                      </td>
                      <td>{describeState(delivery)}</td>
                      <td>{delivery.attempts}</td>
                      <td className="break">{lastAnswer(delivery)}</td>
                      <td>{formatTime(delivery.createdAt)}</td>
                      {canManage && (
                        <td>
                          {delivery.status === "dead" && (
                            <button
                              type="button"
                              className="link-button"
                              aria-label={`Redeliver ${delivery.hash}`}
                              onClick={() => redeliver.mutate({ ids: [delivery.id] })}
                              disabled={redeliver.isPending}
                            >
                              Redeliver
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </QueryState>
    </>
  );
}
