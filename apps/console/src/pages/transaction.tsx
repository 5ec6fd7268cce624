import type { Anomaly, AnomalyPage, StoredTransaction } from "@chainwatch/client";
import { type InfiniteData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/errors.ts";
import { can, useAuth } from "../auth.tsx";
import { ExplanationChart, ReasonList, RiskBadge } from "../components/risk.tsx";
import { ErrorNotice, QueryState } from "../components/states.tsx";
import { explorerLink, loadExplorer } from "../explorer.ts";
import { formatEth, formatGas, formatGwei, formatScore, formatTime } from "../format.ts";
import { hrefOf } from "../router.ts";

/** The anomaly record behind a transaction: from the feed already loaded, else the newest 1,000. */
function useAnomaly(hash: string, anomalyId: string | null) {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ["anomalies", "record", anomalyId ?? hash],
    queryFn: async ({ signal }): Promise<Anomaly | null> => {
      const matches = (item: Anomaly) => (anomalyId ? item.id === anomalyId : item.txHash === hash);
      const feed = queryClient.getQueryData<InfiniteData<AnomalyPage>>(["anomalies", "feed"]);
      const known = feed?.pages.flatMap((page) => page.items).find(matches);
      if (known) return known;
      const page = unwrap(
        await client.GET("/api/v1/anomalies", { params: { query: { limit: 1000 } }, signal }),
      );
      return page.items.find(matches) ?? null;
    },
  });
}

export function TransactionPage({ hash, anomalyId }: { hash: string; anomalyId: string | null }) {
  const { client } = useAuth();
  const transaction = useQuery({
    queryKey: ["transaction", hash],
    queryFn: async ({ signal }) =>
      unwrap(await client.GET("/api/v1/transactions/{hash}", { params: { path: { hash } }, signal })),
  });
  const anomaly = useAnomaly(hash, anomalyId);
  return (
    <section aria-labelledby="tx-title">
      <h1 id="tx-title">Transaction</h1>
      <p className="mono break">
        {hash}{" "}
        <a
          href={explorerLink(loadExplorer().transaction, "{hash}", hash)}
          target="_blank"
          rel="noreferrer noopener"
        >
          open in the block explorer<span className="visually-hidden"> (new tab)</span>
        </a>
      </p>
      <QueryState query={transaction} what="the transaction">
        {(tx) => (
          <div className="columns">
            <div>
              <Verdict tx={tx} />
              <Fields tx={tx} />
            </div>
            <div>
              {anomaly.error ? (
                <ErrorNotice error={anomaly.error} title="Could not load the anomaly's review" />
              ) : anomaly.data ? (
                <Review anomaly={anomaly.data} />
              ) : anomaly.isPending ? null : (
                <p className="notice">Not flagged as an anomaly: nothing to review.</p>
              )}
              <PartyLabels tx={tx} />
            </div>
          </div>
        )}
      </QueryState>
    </section>
  );
}

function Verdict({ tx }: { tx: StoredTransaction }) {
  const prediction = tx.latestPrediction;
  if (!prediction) return <p className="notice">Stored but not scored yet.</p>;
  return (
    <>
      <h2>Verdict</h2>
      <p className="verdict">
        <RiskBadge level={prediction.riskLevel ?? prediction.severity} score={prediction.riskScore} />
        {prediction.isAnomaly ? " anomaly" : " not an anomaly"}
      </p>
      <dl className="fields">
        <dt>risk score (0–1)</dt>
        <dd>{formatScore(prediction.riskScore)}</dd>
        <dt>model</dt>
        <dd className="mono">{prediction.modelVersion}</dd>
        <dt>model anomaly score (0–1)</dt>
        <dd>
          {formatScore(prediction.anomalyScore)} ({prediction.severity}, confidence{" "}
          {formatScore(prediction.confidence)})
        </dd>
        <dt>scored at</dt>
        <dd>{formatTime(prediction.createdAt)}</dd>
      </dl>
      <h2>Reasons</h2>
      <ReasonList reasons={prediction.reasons} />
      <h2>Model explanation</h2>
      <ExplanationChart explanation={prediction.explanation} />
    </>
  );
}

function Fields({ tx }: { tx: StoredTransaction }) {
  return (
    <>
      <h2>Fields</h2>
      <dl className="fields">
        <dt>from</dt>
        <dd>{tx.from ? <AddressLink address={tx.from} /> : "–"}</dd>
        <dt>to</dt>
        <dd>{tx.to ? <AddressLink address={tx.to} /> : "– (contract creation)"}</dd>
        <dt>value</dt>
        <dd>{formatEth(tx.valueWei)}</dd>
        <dt>gas limit</dt>
        <dd>{formatGas(tx.gas)}</dd>
        <dt>gas price</dt>
        <dd>{formatGwei(tx.gasPriceWei)}</dd>
        {tx.maxFeePerGasWei !== null && (
          <>
            <dt>max fee per gas</dt>
            <dd>{formatGwei(tx.maxFeePerGasWei)}</dd>
          </>
        )}
        {tx.maxPriorityFeePerGasWei !== null && (
          <>
            <dt>max priority fee per gas</dt>
            <dd>{formatGwei(tx.maxPriorityFeePerGasWei)}</dd>
          </>
        )}
        <dt>nonce</dt>
        <dd>{tx.nonce ?? "–"}</dd>
        <dt>block</dt>
        <dd>
          {tx.blockNumber ?? "–"}
          {tx.blockTimestamp ? ` at ${formatTime(tx.blockTimestamp)}` : ""}
        </dd>
        <dt>input</dt>
        <dd>
          {tx.inputSize} bytes{tx.selector ? `, selector ${tx.selector}` : ""}
        </dd>
        <dt>first seen</dt>
        <dd>{formatTime(tx.firstSeenAt)}</dd>
      </dl>
    </>
  );
}

function AddressLink({ address }: { address: string }) {
  return (
    <a className="mono break" href={hrefOf({ page: "address", address })}>
      {address}
    </a>
  );
}

/** The labels on both parties, from the address screen of each. */
function PartyLabels({ tx }: { tx: StoredTransaction }) {
  const parties = [
    ["Sender", tx.from],
    ["Recipient", tx.to],
  ] as const;
  return (
    <>
      <h2>Labels</h2>
      {parties.map(([role, address]) =>
        address ? <AddressLabels key={role} role={role} address={address} /> : null,
      )}
    </>
  );
}

function AddressLabels({ role, address }: { role: string; address: string }) {
  const { client } = useAuth();
  const screen = useQuery({
    queryKey: ["address", address.toLowerCase()],
    queryFn: async ({ signal }) =>
      unwrap(await client.GET("/api/v1/addresses/{address}", { params: { path: { address } }, signal })),
  });
  return (
    <div className="party">
      <h3>{role}</h3>
      <p>
        <a href={hrefOf({ page: "address", address })}>
          Screen or label this address<span className="visually-hidden"> ({role.toLowerCase()})</span>
        </a>{" "}
        (an allow list entry mutes the model's outlier for it)
      </p>
      <QueryState query={screen} what={`the ${role.toLowerCase()}'s labels`}>
        {(data) =>
          data.labels.length === 0 ? (
            <p>No labels.</p>
          ) : (
            <ul className="labels">
              {data.labels.map((label) => (
                <li key={label.id}>
                  <span className={`badge badge-list-${label.list.kind}`}>{label.list.kind}</span>{" "}
                  {label.category} on {label.list.name}
                  {label.isExpired ? " (expired)" : ""}
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}

/**
 * Confirm or mark a false positive, with an optional note and, for a false positive, an allowlisting of
 * one party (the API's review effect: an expiring label, audited, revocable); the feed reflects it at once.
 */
export function Review({ anomaly }: { anomaly: Anomaly }) {
  const { client, principal } = useAuth();
  const queryClient = useQueryClient();
  const [note, setNote] = useState(anomaly.reviewNote ?? "");
  // With a false positive, optionally allowlist one party (a known-good address), for a while and why.
  const [allowParty, setAllowParty] = useState<"" | "from" | "to">("");
  const [allowDays, setAllowDays] = useState(90);
  const [allowReason, setAllowReason] = useState("");
  const review = useMutation({
    mutationFn: async (falsePositive: boolean) =>
      unwrap(
        await client.POST("/api/v1/anomalies/{id}/review", {
          params: { path: { id: anomaly.id } },
          body: {
            falsePositive,
            ...(note.trim() ? { note: note.trim() } : {}),
            ...(falsePositive && allowParty
              ? {
                  effect: {
                    type: "allowlist" as const,
                    party: allowParty,
                    days: allowDays,
                    reason: allowReason.trim() || note.trim() || "reviewed as a false positive",
                  },
                }
              : {}),
          },
        }),
      ),
    onSuccess: async (reviewed) => {
      queryClient.setQueryData(["anomalies", "record", anomaly.id], reviewed);
      queryClient.setQueryData(["anomalies", "record", anomaly.txHash], reviewed);
      await queryClient.invalidateQueries({ queryKey: ["anomalies", "feed"] });
    },
  });
  const current = review.data ?? anomaly;
  const submit = (falsePositive: boolean) => (event: FormEvent) => {
    event.preventDefault();
    review.mutate(falsePositive);
  };
  return (
    <div className="panel">
      <h2>Review</h2>
      <p role="status">
        {current.reviewed
          ? `Reviewed as ${current.falsePositive ? "a false positive" : "a confirmed anomaly"} by ${current.reviewedBy ?? "someone"} at ${formatTime(current.reviewedAt)}`
          : "Not reviewed yet."}
        {current.reviewNote ? ` Note: “${current.reviewNote}”` : ""}
      </p>
      {can(principal, "review") ? (
        <form className="review-form" onSubmit={submit(false)}>
          <label htmlFor="review-note">Note (optional)</label>
          <textarea
            id="review-note"
            value={note}
            maxLength={2000}
            rows={3}
            onChange={(e) => setNote(e.target.value)}
          />
          <fieldset className="review-effect">
            <legend>With a false positive</legend>
            <label htmlFor="review-allow-party">Allowlist</label>
            <select
              id="review-allow-party"
              value={allowParty}
              onChange={(e) => setAllowParty(e.target.value as "" | "from" | "to")}
            >
              <option value="">nobody</option>
              <option value="from">the sender</option>
              <option value="to">the recipient</option>
            </select>
            {allowParty && (
              <>
                <label htmlFor="review-allow-days">for days</label>
                <input
                  id="review-allow-days"
                  type="number"
                  min={1}
                  max={365}
                  value={allowDays}
                  onChange={(e) => setAllowDays(Number(e.target.value))}
                />
                <label htmlFor="review-allow-reason">because</label>
                <input
                  id="review-allow-reason"
                  value={allowReason}
                  maxLength={500}
                  placeholder="e.g. our exchange's deposit wallet"
                  onChange={(e) => setAllowReason(e.target.value)}
                />
              </>
            )}
          </fieldset>
          <div className="actions">
            <button type="submit" disabled={review.isPending}>
              Confirm anomaly
            </button>
            <button type="button" className="secondary" disabled={review.isPending} onClick={submit(true)}>
              Mark false positive
            </button>
          </div>
          {review.error && <ErrorNotice error={review.error} title="The review was not saved" />}
        </form>
      ) : (
        <p className="hint">Reviewing needs the analyst or admin role.</p>
      )}
    </div>
  );
}
