import type { AddressScreen, LabelRequest } from "@chainwatch/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/errors.ts";
import { can, useAuth } from "../auth.tsx";
import { Field } from "../components/field.tsx";
import { formatNumber, RiskBadge } from "../components/risk.tsx";
import { ScoreChart } from "../components/score-chart.tsx";
import { Empty, ErrorNotice, QueryState } from "../components/states.tsx";
import { explorerLink, loadExplorer } from "../explorer.ts";
import { formatTime, shortHex } from "../format.ts";
import { hrefOf } from "../router.ts";

const CATEGORIES: LabelRequest["category"][] = [
  "phishing",
  "exploit",
  "sanctioned",
  "mixer",
  "scam",
  "exchange",
  "bridge",
  "mev",
  "custom",
];

export function AddressPage({ address }: { address: string }) {
  const { client } = useAuth();
  const screen = useQuery({
    queryKey: ["address", address.toLowerCase()],
    queryFn: async ({ signal }) =>
      unwrap(await client.GET("/api/v1/addresses/{address}", { params: { path: { address } }, signal })),
  });
  return (
    <section aria-labelledby="address-title">
      <h1 id="address-title">Address</h1>
      <p className="mono break">
        {address}{" "}
        <a
          href={explorerLink(loadExplorer().address, "{address}", address)}
          target="_blank"
          rel="noreferrer noopener"
        >
          open in the block explorer<span className="visually-hidden"> (new tab)</span>
        </a>
      </p>
      <QueryState query={screen} what="the address screen">
        {(data) => (
          <div className="columns">
            <div>
              <Labels screen={data} />
              <AddLabel address={data.address} />
            </div>
            <div>
              <Context screen={data} />
              <Recent screen={data} />
            </div>
          </div>
        )}
      </QueryState>
    </section>
  );
}

function Labels({ screen }: { screen: AddressScreen }) {
  const { client, principal } = useAuth();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.DELETE("/api/v1/labels/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["address", screen.address.toLowerCase()] }),
  });
  return (
    <>
      <h2>Labels</h2>
      {screen.labels.length === 0 ? (
        <Empty>No list names this address.</Empty>
      ) : (
        <ul className="labels">
          {screen.labels.map((label) => (
            <li key={label.id}>
              <span className={`badge badge-list-${label.list.kind}`}>{label.list.kind}</span>{" "}
              <strong>{label.category}</strong> on {label.list.name} (confidence {label.confidence})
              {label.isExpired ? " · expired" : ""}
              {label.note ? ` · “${label.note}”` : ""}
              {can(principal, "writeLabels") && (
                <button
                  type="button"
                  className="link-button"
                  onClick={() => remove.mutate(label.id)}
                  disabled={remove.isPending}
                  aria-label={`Remove the ${label.category} label of list ${label.list.name}`}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {remove.error && <ErrorNotice error={remove.error} title="The label was not removed" />}
    </>
  );
}

function AddLabel({ address }: { address: string }) {
  const { client, principal } = useAuth();
  const queryClient = useQueryClient();
  const lists = useQuery({
    queryKey: ["lists"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/lists", { signal })),
  });
  const [listId, setListId] = useState("");
  const [category, setCategory] = useState<LabelRequest["category"]>("custom");
  const [note, setNote] = useState("");
  const add = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.POST("/api/v1/lists/{id}/labels", {
          params: { path: { id: listId || (lists.data?.lists[0]?.id ?? "") } },
          body: { address, category, ...(note.trim() ? { note: note.trim() } : {}) },
        }),
      ),
    onSuccess: async () => {
      setNote("");
      await queryClient.invalidateQueries({ queryKey: ["address", address.toLowerCase()] });
    },
  });
  if (!can(principal, "writeLabels")) return null;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <>
      <h2>Add a label</h2>
      <QueryState query={lists} what="the lists">
        {(data) =>
          data.lists.length === 0 ? (
            <Empty>No list exists yet; an admin creates one with PUT /api/v1/lists/{"{id}"}.</Empty>
          ) : (
            <form className="stack" onSubmit={onSubmit}>
              <Field id="label-list" label="List">
                <select
                  id="label-list"
                  value={listId || (data.lists[0]?.id ?? "")}
                  onChange={(e) => setListId(e.target.value)}
                >
                  {data.lists.map((list) => (
                    <option key={list.id} value={list.id}>
                      {list.name} ({list.kind})
                    </option>
                  ))}
                </select>
              </Field>
              <Field id="label-category" label="Category">
                <select
                  id="label-category"
                  value={category}
                  onChange={(e) => setCategory(e.target.value as LabelRequest["category"])}
                >
                  {CATEGORIES.map((value) => (
                    <option key={value} value={value}>
                      {value}
                    </option>
                  ))}
                </select>
              </Field>
              <Field id="label-note" label="Note (optional)">
                <input
                  id="label-note"
                  value={note}
                  maxLength={500}
                  onChange={(e) => setNote(e.target.value)}
                />
              </Field>
              <button type="submit" disabled={add.isPending}>
                Add label
              </button>
              {add.error && <ErrorNotice error={add.error} title="The label was not added" />}
            </form>
          )
        }
      </QueryState>
    </>
  );
}

function Context({ screen }: { screen: AddressScreen }) {
  const context = screen.context;
  return (
    <>
      <h2>Context</h2>
      {context === null ? (
        <Empty>No activity recorded for this address.</Empty>
      ) : (
        <dl className="fields">
          <dt>first seen</dt>
          <dd>{formatTime(context.firstSeen)}</dd>
          <dt>sent</dt>
          <dd>
            {context.asSender.transactions} transactions to {context.asSender.distinctRecipients} recipients,
            last {formatTime(context.asSender.lastAt)}
          </dd>
          <dt>typical value sent</dt>
          <dd>
            {context.asSender.typicalValueEth === null
              ? "–"
              : `${formatNumber(context.asSender.typicalValueEth)} ETH`}{" "}
            ({context.asSender.valuesSeen} values seen)
          </dd>
          <dt>received</dt>
          <dd>
            {context.asRecipient.transactions} transactions from {context.asRecipient.distinctSenders}{" "}
            senders, last {formatTime(context.asRecipient.lastAt)}
          </dd>
          <dt>anomalies</dt>
          <dd>{screen.anomalyCount}</dd>
        </dl>
      )}
    </>
  );
}

function Recent({ screen }: { screen: AddressScreen }) {
  return (
    <>
      <h2>Recent transactions</h2>
      {screen.transactions.length === 0 ? (
        <Empty>No scored transactions stored for this address.</Empty>
      ) : (
        <>
          <ScoreChart
            points={screen.transactions.map((tx) => ({
              id: tx.hash,
              at: tx.createdAt,
              score: tx.riskScore,
              isAnomaly: tx.isAnomaly,
            }))}
          />
          <table className="table">
            <caption className="visually-hidden">Recent scored transactions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">transaction</th>
                <th scope="col">role</th>
                <th scope="col">risk</th>
                <th scope="col">scored</th>
              </tr>
            </thead>
            <tbody>
              {screen.transactions.map((tx) => (
                <tr key={tx.hash}>
                  <td>
                    <a
                      className="mono"
                      href={hrefOf({ page: "transaction", hash: tx.hash, anomalyId: null })}
                    >
                      {shortHex(tx.hash)}
                    </a>
                  </td>
                  <td>{tx.role}</td>
                  <td>
                    <RiskBadge level={tx.riskLevel} score={tx.riskScore} />
                    {tx.isAnomaly ? " anomaly" : ""}
                  </td>
                  <td>{formatTime(tx.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
