import { type AnomalyEvent, injectAnomalies, secondHalfStartSeconds } from "./anomalies.ts";
import { baseFeeSeries, formatUnits, gweiToWei, SECONDS_PER_BLOCK } from "./ethereum.ts";
import { normalTraffic } from "./normal-traffic.ts";
import { type ActorRole, buildWorld } from "./population.ts";
import { createRandom } from "./random.ts";
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  type ContextualTrafficOptions,
  contextualTrafficOptions,
} from "./traffic-options.ts";

/**
 * A seeded, time-ordered day of Ethereum-like traffic with labelled contextual anomalies in its second
 * half: the input of the contextual-detection benchmark (issue #17). Same options, same bytes.
 */

/** The gateway's "simple" input shape: value in ETH and gasPrice in gwei as decimal strings. */
export interface BenchTransaction {
  hash: string;
  from: string;
  /** null: a contract deployment. */
  to: string | null;
  value: string;
  gas: number;
  /** Effective gas price paid (base fee + priority fee), gwei. */
  gasPrice: string;
  /** EIP-1559 fee cap, gwei; absent on legacy (type 0) transactions. */
  maxFeePerGas?: string;
  /** EIP-1559 priority fee, gwei; absent on legacy (type 0) transactions. */
  maxPriorityFeePerGas?: string;
  input: string;
  nonce: number;
  blockNumber: number;
  /** Unix seconds of the block. */
  timestamp: number;
}

export interface LabelledTransaction {
  tx: BenchTransaction;
  /** The injected kind; null for normal traffic. */
  label: AnomalyKind | null;
  /** The injected event it belongs to; null for normal traffic. */
  eventId: number | null;
}

export interface ContextualTraffic {
  options: ContextualTrafficOptions;
  /** In block order (then in order within the block). */
  transactions: LabelledTransaction[];
  /** Unix seconds where the second half starts: anomalies only at or after it, metrics only over it. */
  secondHalfTimestamp: number;
  events: AnomalyEvent[];
  /** Senders of normal traffic per population. */
  population: Record<ActorRole, number>;
}

export { ANOMALY_KINDS, type AnomalyKind, contextualTrafficOptions };

export function generateContextualTraffic(
  options: ContextualTrafficOptions = contextualTrafficOptions(),
): ContextualTraffic {
  if (!(options.hours > 0) || !(options.addresses >= 10)) {
    throw new RangeError(
      `hours must be > 0 and addresses ≥ 10, got ${options.hours} and ${options.addresses}`,
    );
  }
  const { seed } = options;
  const world = buildWorld(options, createRandom(seed, "world"));
  const normal = normalTraffic(world, options, createRandom(seed, "normal"));
  const injected = injectAnomalies(world, normal, options, createRandom(seed, "anomalies"));
  // Stable sort: a sender's transactions in one session keep their order, so nonces rise with time.
  const drafts = [...normal, ...injected.drafts].sort((a, b) => a.time - b.time);

  const blocks = Math.ceil((options.hours * 3_600) / SECONDS_PER_BLOCK) + 1;
  const baseFees = baseFeeSeries(
    blocks,
    {
      baseFeeGwei: options.gas.baseFeeGwei,
      spreadLn: options.gas.baseFeeSpreadLn,
      halfLifeBlocks: options.gas.baseFeeHalfLifeBlocks,
    },
    createRandom(seed, "gas"),
  );
  const nonces = new Map(world.actors.map((actor) => [actor.address, actor.priorNonce]));
  const hashRandom = createRandom(seed, "hashes");
  const hashes = new Set<string>();
  const uniqueHash = () => {
    for (;;) {
      const hash = `0x${hashRandom.hex(64)}`;
      if (!hashes.has(hash)) {
        hashes.add(hash);
        return hash;
      }
    }
  };

  const transactions = drafts.map((draft): LabelledTransaction => {
    const block = Math.floor(draft.time / SECONDS_PER_BLOCK);
    const nonce = nonces.get(draft.from) ?? 0;
    nonces.set(draft.from, nonce + 1);
    const baseFeeWei = gweiToWei(baseFees[block] ?? options.gas.baseFeeGwei);
    const tipWei = gweiToWei(draft.tipGwei);
    return {
      tx: {
        hash: uniqueHash(),
        from: draft.from,
        to: draft.to,
        value: formatUnits(draft.valueWei, 18),
        gas: draft.gas,
        gasPrice: formatUnits(baseFeeWei + tipWei, 9),
        // Wallets cap the fee at twice the base fee plus the tip (ethers, viem, MetaMask).
        ...(isLegacySender(draft.from)
          ? {}
          : {
              maxFeePerGas: formatUnits(2n * baseFeeWei + tipWei, 9),
              maxPriorityFeePerGas: formatUnits(tipWei, 9),
            }),
        input: draft.input,
        nonce,
        blockNumber: options.startBlock + block,
        timestamp: options.startTimestamp + block * SECONDS_PER_BLOCK,
      },
      label: draft.label,
      eventId: draft.eventId,
    };
  });

  const population = Object.fromEntries(
    (["user", "bot", "hot_wallet", "cold_wallet", "deposit", "newcomer"] as const).map((role) => [
      role,
      world.actors.filter((actor) => actor.role === role).length,
    ]),
  ) as Record<ActorRole, number>;
  return {
    options,
    transactions,
    secondHalfTimestamp: options.startTimestamp + secondHalfStartSeconds(options.hours),
    events: injected.events,
    population,
  };
}

/**
 * About one sender in ten still sends legacy (type 0) transactions, gasPrice only; the rest send EIP-1559
 * ones. Decided by the address, so a wallet keeps its habit.
 */
const isLegacySender = (address: string) => Number.parseInt(address.slice(-2), 16) < 26;

/** Transactions and events per kind, for logs and tests. */
export function countByKind(
  traffic: ContextualTraffic,
): Record<AnomalyKind, { transactions: number; events: number }> {
  const counts = Object.fromEntries(
    ANOMALY_KINDS.map((kind) => [kind, { transactions: 0, events: 0 }]),
  ) as Record<AnomalyKind, { transactions: number; events: number }>;
  for (const { label } of traffic.transactions) if (label) counts[label].transactions++;
  for (const event of traffic.events) counts[event.kind].events++;
  return counts;
}
