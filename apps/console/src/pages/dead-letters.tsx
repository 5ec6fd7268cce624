import type { AlertDestination } from "@chainwatch/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { Empty, ErrorNotice, QueryState } from "../components/states.tsx";
import { formatTime, shortHex } from "../format.ts";
import { hrefOf } from "../router.ts";

const PAGE_SIZE = 200;

/**
 * Deliveries that failed until their maximum age ran out, with their attempts and the last answer; admins
 * queue one, or all of a destination's, again (with a fresh maximum age). The API lists only dead rows:
 * pending and delivered ones are the dispatcher's business, counted in its metrics.
 */
export function DeadLetters({
  destinations,
  canManage,
}: {
  destinations: readonly AlertDestination[];
  canManage: boolean;
}) {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const dead = useQuery({
    queryKey: ["alerts", "dead-letters"],
    queryFn: async ({ signal }) =>
      unwrap(
        await client.GET("/api/v1/alerts/dead-letters", { params: { query: { limit: PAGE_SIZE } }, signal }),
      ),
    refetchInterval: 10_000,
  });
  const redeliver = useMutation({
    mutationFn: async (target: { ids: string[] } | { destinationId: string }) =>
      unwrap(await client.POST("/api/v1/alerts/dead-letters/redeliver", { body: target })),
    onSuccess: async ({ redelivered }) => {
      setNotice(`${redelivered} ${redelivered === 1 ? "delivery" : "deliveries"} queued again.`);
      await queryClient.invalidateQueries({ queryKey: ["alerts", "dead-letters"] });
    },
  });
  const nameOf = (id: string) => destinations.find((destination) => destination.id === id)?.name ?? id;
  return (
    <>
      <h2>Failed deliveries (dead letters)</h2>
      {redeliver.error && <ErrorNotice error={redeliver.error} title="Nothing was queued again" />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <QueryState query={dead} what="the dead letters">
        {(data) =>
          data.deadLetters.length === 0 ? (
            <Empty>
              No failed deliveries: every alert reached its destination or is still being retried.
            </Empty>
          ) : (
            <>
              {canManage && (
                <div className="row-actions">
                  {[...new Set(data.deadLetters.map((letter) => letter.destinationId))].map((id) => (
                    <button
                      key={id}
                      type="button"
                      className="secondary"
                      onClick={() => redeliver.mutate({ destinationId: id })}
                      disabled={redeliver.isPending}
                    >
                      Redeliver all to {nameOf(id)}
                    </button>
                  ))}
                </div>
              )}
              <table className="table">
                <caption className="visually-hidden">Dead-lettered deliveries, oldest first</caption>
                <thead>
                  <tr>
                    <th scope="col">destination</th>
                    <th scope="col">transaction</th>
                    <th scope="col">queued</th>
                    <th scope="col">attempts</th>
                    <th scope="col">last answer</th>
                    {canManage && <th scope="col">action</th>}
                  </tr>
                </thead>
                <tbody>
                  {data.deadLetters.map((letter) => (
                    <tr key={letter.id}>
                      <td>{nameOf(letter.destinationId)}</td>
                      <td className="mono">
                        <a href={hrefOf({ page: "transaction", hash: letter.hash, anomalyId: null })}>
                          {shortHex(letter.hash)}
                        </a>
                      </td>
                      <td>{formatTime(letter.createdAt)}</td>
                      <td>{letter.attempts}</td>
                      <td className="break">
                        {letter.lastStatusCode === null ? "no HTTP answer" : `HTTP ${letter.lastStatusCode}`}
                        {letter.lastError ? `: ${letter.lastError}` : ""}
                      </td>
                      {canManage && (
                        <td>
                          <button
                            type="button"
                            className="link-button"
                            aria-label={`Redeliver ${letter.hash}`}
                            onClick={() => redeliver.mutate({ ids: [letter.id] })}
                            disabled={redeliver.isPending}
                          >
                            Redeliver
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </QueryState>
    </>
  );
}
