import type { Suppression } from "@chainwatch/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { unwrap } from "../api/errors.ts";
import { can, useAuth } from "../auth.tsx";
import { Confirm } from "../components/confirm.tsx";
import { Field } from "../components/field.tsx";
import { Empty, ErrorNotice, QueryState } from "../components/states.tsx";
import { formatTime, shortHex } from "../format.ts";
import { hrefOf } from "../router.ts";
import { ReviewStatsSection } from "./review-stats.tsx";

type Status = "active" | "expired" | "revoked" | "all";
const PAGE_SIZE = 200;

/**
 * Reason codes muted for an address by a false-positive review (docs/screening.md, "The review loop"), and
 * how precise each reason code has been. Revoking needs the review permission and a confirmation: every
 * replica applies the reason again within its refresh interval.
 */
export function SuppressionsPage() {
  const { client, principal } = useAuth();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>("active");
  const [revoking, setRevoking] = useState<Suppression | null>(null);
  const [note, setNote] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const suppressions = useQuery({
    queryKey: ["suppressions", status],
    queryFn: async ({ signal }) =>
      unwrap(
        await client.GET("/api/v1/suppressions", { params: { query: { status, limit: PAGE_SIZE } }, signal }),
      ),
  });
  const revoke = useMutation({
    mutationFn: async (suppression: Suppression) =>
      unwrap(
        await client.POST("/api/v1/suppressions/{id}/revoke", {
          params: { path: { id: suppression.id } },
          body: note.trim() ? { reason: note.trim() } : {},
        }),
      ),
    onSuccess: async (result) => {
      setRevoking(null);
      setNote("");
      setDone(
        result.revoked
          ? `Revoked: ${result.suppression.reasonCode} applies to ${shortHex(result.suppression.address)} again.`
          : "It was revoked already; nothing changed.",
      );
      await queryClient.invalidateQueries({ queryKey: ["suppressions"] });
    },
  });
  const canRevoke = can(principal, "review");
  return (
    <section aria-labelledby="suppressions-title">
      <h1 id="suppressions-title">Suppressions and review precision</h1>
      <ReviewStatsSection />
      <h2>Suppressions</h2>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Suppression filters">
        <Field id="suppression-status" label="Status">
          <select
            id="suppression-status"
            value={status}
            onChange={(e) => setStatus(e.target.value as Status)}
          >
            <option value="active">active</option>
            <option value="expired">expired</option>
            <option value="revoked">revoked</option>
            <option value="all">all</option>
          </select>
        </Field>
      </form>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <QueryState query={suppressions} what="the suppressions">
        {(data) =>
          data.suppressions.length === 0 ? (
            <Empty>
              No {status === "all" ? "" : `${status} `}suppression. A reviewer leaves one by marking an
              anomaly a false positive and muting one of its reasons for the address.
            </Empty>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Suppressions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">address</th>
                  <th scope="col">reason code</th>
                  <th scope="col">why</th>
                  <th scope="col">by</th>
                  <th scope="col">until</th>
                  <th scope="col">status</th>
                  {canRevoke && <th scope="col">action</th>}
                </tr>
              </thead>
              <tbody>
                {data.suppressions.map((item) => (
                  <tr key={item.id}>
                    <td className="mono">
                      <a href={hrefOf({ page: "address", address: item.address })} title={item.address}>
                        {shortHex(item.address)}
                      </a>
                    </td>
                    <td>
                      <code>{item.reasonCode}</code>
                    </td>
                    <td className="break">{item.reason}</td>
                    <td className="break">
                      {item.createdBy}, {formatTime(item.createdAt)}
                    </td>
                    <td>{formatTime(item.expiresAt)}</td>
                    <td>
                      {item.status}
                      {item.revokedBy
                        ? ` by ${item.revokedBy}${item.revokeReason ? ` (“${item.revokeReason}”)` : ""}`
                        : ""}
                    </td>
                    {canRevoke && (
                      <td>
                        {item.status === "active" && (
                          <button
                            type="button"
                            className="link-button"
                            aria-label={`Revoke ${item.reasonCode} for ${item.address}`}
                            onClick={() => {
                              setDone(null);
                              setRevoking(item);
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      {revoking && (
        <>
          <Field id="revoke-note" label="Why revoke (optional, kept with it)">
            <input id="revoke-note" value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
          </Field>
          <Confirm
            message={`Revoke the suppression of ${revoking.reasonCode} for ${revoking.address}? Every replica applies the reason again within its refresh interval.`}
            confirmLabel="Revoke"
            onConfirm={() => revoke.mutate(revoking)}
            onCancel={() => setRevoking(null)}
            isBusy={revoke.isPending}
          />
        </>
      )}
      {revoke.error && <ErrorNotice error={revoke.error} title="The suppression was not revoked" />}
    </section>
  );
}
