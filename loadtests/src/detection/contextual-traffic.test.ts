import { createHash } from "node:crypto";
import { normalizeTransaction, SimpleTransactionInputSchema } from "@chainwatch/model";
import { describe, expect, it } from "vitest";
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  type ContextualTraffic,
  contextualTrafficOptions,
  countByKind,
  generateContextualTraffic,
  type LabelledTransaction,
} from "./contextual-traffic.ts";
import { addressArgument, SELECTORS } from "./ethereum.ts";

const small = contextualTrafficOptions("default", { addresses: 400, hours: 6 });
const fingerprint = (traffic: ContextualTraffic) =>
  createHash("sha256").update(JSON.stringify(traffic.transactions)).digest("hex");

// The reported draw, generated once for the properties below (about a second).
const day = generateContextualTraffic(contextualTrafficOptions("default"));
const txs = day.transactions;
const labelled = (kind: AnomalyKind) => txs.filter((t) => t.label === kind);
const byEvent = (kind: AnomalyKind) => {
  const events = new Map<number, LabelledTransaction[]>();
  for (const t of labelled(kind)) events.set(t.eventId ?? -1, [...(events.get(t.eventId ?? -1) ?? []), t]);
  return [...events.values()];
};
/** Index of the first transaction in which an address appears at all (as sender or recipient). */
const firstSeen = new Map<string, number>();
txs.forEach(({ tx }, index) => {
  for (const address of [tx.from, tx.to])
    if (address && !firstSeen.has(address)) firstSeen.set(address, index);
});
const sentBefore = (address: string, index: number) =>
  txs.slice(0, index).filter(({ tx }) => tx.from === address);
/** The wallet a transaction pays: `to`, or the recipient of an ERC-20 transfer(address,uint256). */
const payee = ({ tx }: LabelledTransaction) =>
  tx.input.startsWith(`0x${SELECTORS.transfer}`) ? addressArgument(tx.input, 0) : tx.to;
const median = (values: number[]) =>
  values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

describe("generateContextualTraffic", () => {
  it("is deterministic by seed, and another seed or style gives another day", () => {
    const first = generateContextualTraffic(small);
    expect(fingerprint(generateContextualTraffic(small))).toBe(fingerprint(first));
    expect(fingerprint(generateContextualTraffic({ ...small, seed: small.seed + 1 }))).not.toBe(
      fingerprint(first),
    );
    const heldout = generateContextualTraffic(
      contextualTrafficOptions("heldout", { addresses: 400, hours: 6 }),
    );
    expect(heldout.options.seed).not.toBe(small.seed);
    expect(heldout.transactions[0]?.tx.hash).not.toBe(first.transactions[0]?.tx.hash);
  });

  it("is in time order, with 12 s blocks and timestamps that match them", () => {
    const { startBlock, startTimestamp, hours } = day.options;
    let previous = startBlock;
    for (const { tx } of txs) {
      expect(tx.blockNumber).toBeGreaterThanOrEqual(previous);
      expect(tx.timestamp).toBe(startTimestamp + (tx.blockNumber - startBlock) * 12);
      previous = tx.blockNumber;
    }
    expect(txs.at(-1)?.tx.timestamp).toBeLessThan(startTimestamp + hours * 3_600);
  });

  it("has unique hashes, lower-case addresses and per-sender nonces that rise by one", () => {
    expect(new Set(txs.map(({ tx }) => tx.hash)).size).toBe(txs.length);
    const nextNonce = new Map<string, number>();
    for (const { tx } of txs) {
      expect(tx.hash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(tx.from).toMatch(/^0x[0-9a-f]{40}$/);
      if (tx.to !== null) expect(tx.to).toMatch(/^0x[0-9a-f]{40}$/);
      const expected = nextNonce.get(tx.from);
      if (expected !== undefined) expect(tx.nonce).toBe(expected);
      nextNonce.set(tx.from, tx.nonce + 1);
    }
  });

  it("speaks the gateway's simple input shape, and the model normalises every transaction", () => {
    for (const { tx } of txs.filter((_, index) => index % 50 === 0)) {
      expect(SimpleTransactionInputSchema.safeParse(tx).success).toBe(true);
      expect(normalizeTransaction(tx).hash).toBe(tx.hash);
    }
  });

  it("gives plain transfers 21000 gas and contract calls 50k–500k, with a selector", () => {
    for (const { tx } of txs) {
      if (tx.input === "0x") expect(tx.gas).toBe(21_000);
      else if (tx.to !== null) {
        expect(tx.gas).toBeGreaterThanOrEqual(50_000);
        expect(tx.gas).toBeLessThanOrEqual(500_000);
        expect(tx.input).toMatch(/^0x[0-9a-f]{8}(?:[0-9a-f]{64})*$/);
      }
    }
    const calls = txs.filter(({ tx }) => tx.input !== "0x").length / txs.length;
    expect(calls).toBeGreaterThan(0.3);
    expect(calls).toBeLessThan(0.7);
  });

  it("lets the gas price drift over the day", () => {
    const hourly = new Map<number, number[]>();
    for (const { tx } of txs) {
      const hour = Math.floor((tx.timestamp - day.options.startTimestamp) / 3_600);
      hourly.set(hour, [...(hourly.get(hour) ?? []), Number(tx.gasPrice)]);
    }
    const medians = [...hourly.values()].map(median);
    expect(Math.max(...medians) / Math.min(...medians)).toBeGreaterThan(1.5);
  });

  it("injects a few dozen to ~150 transactions of every kind, in the second half only", () => {
    const counts = countByKind(day);
    for (const kind of ANOMALY_KINDS) {
      expect(counts[kind].transactions, kind).toBeGreaterThanOrEqual(40);
      expect(counts[kind].transactions, kind).toBeLessThanOrEqual(160);
      expect(counts[kind].events, kind).toBe(day.options.anomalies.events[kind]);
    }
    for (const t of txs) {
      if (t.label !== null) expect(t.tx.timestamp).toBeGreaterThanOrEqual(day.secondHalfTimestamp);
      expect(t.label === null).toBe(t.eventId === null);
    }
    const secondHalf = txs.filter(({ tx }) => tx.timestamp >= day.secondHalfTimestamp);
    expect(secondHalf.filter((t) => t.label === null).length).toBeGreaterThan(10_000);
  });

  it("quiet_burst: an address with history sends 10–30 transactions within minutes", () => {
    for (const burst of byEvent("quiet_burst")) {
      const sender = burst[0]?.tx.from ?? "";
      expect(new Set(burst.map(({ tx }) => tx.from))).toEqual(new Set([sender]));
      expect(burst.length).toBeGreaterThanOrEqual(10);
      expect(burst.length).toBeLessThanOrEqual(30);
      const spanSeconds = (burst.at(-1)?.tx.timestamp ?? 0) - (burst[0]?.tx.timestamp ?? 0);
      expect(spanSeconds).toBeLessThanOrEqual(8 * 60 + 12);
      expect(sentBefore(sender, txs.indexOf(burst[0] as LabelledTransaction)).length).toBeGreaterThanOrEqual(
        2,
      );
    }
  });

  it("value_spike and new_counterparty_large: far above the sender's earlier median", () => {
    for (const kind of ["value_spike", "new_counterparty_large"] as const) {
      const ratios = labelled(kind).map((t) => {
        const earlier = sentBefore(t.tx.from, txs.indexOf(t)).map(({ tx }) => Number(tx.value));
        expect(earlier.length, kind).toBeGreaterThanOrEqual(2);
        return Number(t.tx.value) / median(earlier.filter((value) => value > 0));
      });
      // The "usual amount" is the sender's own scale; its empirical median over a few payments is noisy.
      expect(median(ratios), kind).toBeGreaterThan(kind === "value_spike" ? 300 : 10);
    }
    for (const t of labelled("new_counterparty_large")) {
      expect(firstSeen.get(t.tx.to ?? "")).toBe(txs.indexOf(t));
    }
  });

  it("new_sender_fortune: a never-seen address's first transaction moves hundreds of ETH or more", () => {
    for (const t of labelled("new_sender_fortune")) {
      expect(firstSeen.get(t.tx.from)).toBe(txs.indexOf(t));
      expect(t.tx.nonce).toBe(0);
      expect(Number(t.tx.value)).toBeGreaterThanOrEqual(200);
    }
  });

  it("dust_spray: a fresh address sprays dust at 20 or more distinct wallets within minutes", () => {
    for (const spray of byEvent("dust_spray")) {
      const sender = spray[0]?.tx.from ?? "";
      expect(firstSeen.get(sender)).toBe(txs.indexOf(spray[0] as LabelledTransaction));
      expect(new Set(spray.map(payee)).size).toBeGreaterThanOrEqual(20);
      for (const { tx } of spray) expect(Number(tx.value)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("drain_fan_in: many established senders pay one never-seen collector within the hour", () => {
    for (const drain of byEvent("drain_fan_in")) {
      const collector = drain[0]?.tx.to ?? "";
      expect(drain.every(({ tx }) => tx.to === collector)).toBe(true);
      expect(firstSeen.get(collector)).toBe(txs.indexOf(drain[0] as LabelledTransaction));
      expect(new Set(drain.map(({ tx }) => tx.from)).size).toBe(drain.length);
      expect(drain.length).toBeGreaterThanOrEqual(15);
      const spanSeconds = (drain.at(-1)?.tx.timestamp ?? 0) - (drain[0]?.tx.timestamp ?? 0);
      expect(spanSeconds).toBeLessThanOrEqual(3_600);
    }
  });

  it("keeps the legitimate look-alikes: fan-out to new addresses, fan-in, newcomers and large sums", () => {
    const normal = txs.filter((t) => t.label === null);
    // Hot wallets: one sender paying hundreds of addresses it never paid before.
    const newRecipients = new Map<string, number>();
    normal.forEach((t) => {
      if (t.tx.to && firstSeen.get(t.tx.to) === txs.indexOf(t))
        newRecipients.set(t.tx.from, (newRecipients.get(t.tx.from) ?? 0) + 1);
    });
    expect(Math.max(...newRecipients.values())).toBeGreaterThan(200);
    // Deposit addresses: one recipient paid by hundreds of senders.
    const senders = new Map<string, Set<string>>();
    for (const { tx } of normal)
      if (tx.to) senders.set(tx.to, (senders.get(tx.to) ?? new Set()).add(tx.from));
    const fanIns = [...senders.values()].map((set) => set.size);
    expect(fanIns.filter((size) => size >= 50).length).toBeGreaterThan(5);
    // Brand-new senders (nonce 0, never seen) doing ordinary things in the second half.
    const newcomers = normal.filter(
      (t) =>
        t.tx.nonce === 0 &&
        t.tx.timestamp >= day.secondHalfTimestamp &&
        firstSeen.get(t.tx.from) === txs.indexOf(t),
    );
    expect(newcomers.length).toBeGreaterThan(100);
    // Large sums are normal for some: hundreds of normal transfers of 100 ETH or more.
    expect(normal.filter(({ tx }) => Number(tx.value) >= 100).length).toBeGreaterThan(100);
  });
});
