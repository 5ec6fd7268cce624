import { join } from "node:path";
import { readLabelFile, SHIPPED_DATA_DIR, SHIPPED_LISTS } from "@chainwatch/screening";
import type { BenchTransaction, ContextualTraffic, LabelledTransaction } from "./contextual-traffic.ts";
import { createRandom, type Random } from "./random.ts";

/**
 * Puts addresses of the shipped deny lists into a contextual day's second half, the way they meet an
 * exchange's or a wallet's users: victims pay a phishing address an ordinary amount, and a listed address
 * sends small amounts to ordinary users (poisoning, fake airdrops, a scammer's "refund"). Nothing else about
 * these transactions is unusual, which is the point: only the list can tell.
 */

/** How a transaction touches a listed address; null when it does not. */
export type ListedRole = "to_listed" | "from_listed" | null;

export interface ScreenedTransaction extends LabelledTransaction {
  listed: ListedRole;
}

export interface ListedTrafficOptions {
  /** Listed addresses used (drawn from the shipped lists, seeded). */
  addresses: number;
  /** Share of ordinary second-half transfers redirected to a listed address. */
  redirectShare: number;
  /** Transactions each listed address sends. */
  sendsPerAddress: number;
}

export const DEFAULT_LISTED_TRAFFIC: ListedTrafficOptions = {
  addresses: 60,
  redirectShare: 0.004,
  sendsPerAddress: 3,
};

/** Every distinct address on the shipped deny lists, in first-seen file order (deterministic). */
export async function shippedDenyAddresses(): Promise<string[]> {
  const seen = new Set<string>();
  for (const list of SHIPPED_LISTS) {
    if (list.kind !== "deny") continue;
    for await (const row of readLabelFile(join(SHIPPED_DATA_DIR, list.file))) {
      if (row.ok) seen.add(row.label.address);
    }
  }
  return [...seen];
}

export function withListedAddresses(
  traffic: ContextualTraffic,
  denyAddresses: readonly string[],
  options: ListedTrafficOptions = DEFAULT_LISTED_TRAFFIC,
): { transactions: ScreenedTransaction[]; listedAddresses: string[] } {
  const random = createRandom(traffic.options.seed, "listed");
  const listedAddresses = sample(denyAddresses, options.addresses, random);
  const isSecondHalf = (tx: BenchTransaction) => tx.timestamp >= traffic.secondHalfTimestamp;
  const recipients = [...new Set(traffic.transactions.map(({ tx }) => tx.from))];
  const uniqueHash = hashMinter(traffic.transactions, random);
  // Each listed address sends after a randomly chosen second-half transaction, in that transaction's block.
  const sendsAfter = new Map<number, string[]>();
  const secondHalfIndexes = traffic.transactions.flatMap(({ tx }, index) =>
    isSecondHalf(tx) ? [index] : [],
  );
  for (const address of listedAddresses) {
    for (let k = 0; k < options.sendsPerAddress; k++) {
      const index = random.pick(secondHalfIndexes);
      sendsAfter.set(index, [...(sendsAfter.get(index) ?? []), address]);
    }
  }
  const nonces = new Map<string, number>();
  const transactions: ScreenedTransaction[] = [];
  traffic.transactions.forEach((labelled, index) => {
    const { tx } = labelled;
    const isRedirected =
      labelled.label === null &&
      isSecondHalf(tx) &&
      isPlainTransfer(tx) &&
      random.chance(options.redirectShare);
    transactions.push(
      isRedirected
        ? {
            ...labelled,
            tx: { ...tx, to: random.pick(listedAddresses) },
            listed: "to_listed",
          }
        : { ...labelled, listed: null },
    );
    for (const from of sendsAfter.get(index) ?? []) {
      const nonce = nonces.get(from) ?? 0;
      nonces.set(from, nonce + 1);
      transactions.push({
        tx: {
          hash: uniqueHash(),
          from,
          to: random.pick(recipients),
          value: (random.int(1, 50) / 10_000).toString(),
          gas: 21_000,
          gasPrice: tx.gasPrice,
          input: "0x",
          nonce,
          blockNumber: tx.blockNumber,
          timestamp: tx.timestamp,
        },
        label: null,
        eventId: null,
        listed: "from_listed",
      });
    }
  });
  return { transactions, listedAddresses };
}

/**
 * Connects the busy address to listed addresses, which its allow label must not hide: up to `count` of its
 * second-half ordinary transfers are redirected to listed addresses (an exchange paying out to a phisher)
 * and `count` payments from listed addresses into it are added (a scammer cashing out at the exchange).
 */
export function connectToListed(
  transactions: readonly ScreenedTransaction[],
  address: string,
  count: number,
  listedAddresses: readonly string[],
  secondHalfTimestamp: number,
  seed: number,
): ScreenedTransaction[] {
  const random = createRandom(seed, `connect:${address}`);
  const isSecondHalf = (row: ScreenedTransaction) => row.tx.timestamp >= secondHalfTimestamp;
  const payouts = transactions.flatMap((row, index) =>
    row.tx.from === address &&
    row.label === null &&
    row.listed === null &&
    isSecondHalf(row) &&
    isPlainTransfer(row.tx)
      ? [index]
      : [],
  );
  const redirected = new Set(sample(payouts, count, random));
  const secondHalfIndexes = transactions.flatMap((row, index) => (isSecondHalf(row) ? [index] : []));
  const depositAfter = new Set(sample(secondHalfIndexes, count, random));
  const uniqueHash = hashMinter(transactions, random);
  const out: ScreenedTransaction[] = [];
  transactions.forEach((row, index) => {
    out.push(
      redirected.has(index)
        ? { ...row, tx: { ...row.tx, to: random.pick(listedAddresses) }, listed: "to_listed" }
        : row,
    );
    if (!depositAfter.has(index)) return;
    out.push({
      tx: {
        hash: uniqueHash(),
        from: random.pick(listedAddresses),
        to: address,
        value: random.logUniform(0.5, 50).toFixed(4),
        gas: 21_000,
        gasPrice: row.tx.gasPrice,
        input: "0x",
        // Past any nonce the listed senders used in the day: these are later transactions of theirs.
        nonce: 1_000 + index,
        blockNumber: row.tx.blockNumber,
        timestamp: row.tx.timestamp,
      },
      label: null,
      eventId: null,
      listed: "from_listed",
    });
  });
  return out;
}

/** Transaction hashes that collide with none of the day's (nor with each other), from the seeded stream. */
function hashMinter(transactions: readonly LabelledTransaction[], random: Random): () => string {
  const taken = new Set(transactions.map(({ tx }) => tx.hash));
  return () => {
    for (;;) {
      const hash = `0x${random.hex(64)}`;
      if (!taken.has(hash)) {
        taken.add(hash);
        return hash;
      }
    }
  };
}

const isPlainTransfer = (tx: BenchTransaction) => tx.to !== null && tx.input === "0x" && Number(tx.value) > 0;

const sample = <T>(items: readonly T[], count: number, random: Random): T[] =>
  random.shuffle([...items]).slice(0, count);
