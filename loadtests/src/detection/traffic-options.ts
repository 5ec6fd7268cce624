/**
 * Settings of the contextual traffic generator, and its two styles. `default` is the draw the benchmark
 * reports; `heldout` changes the seed, the population mix, the scales and the anomaly magnitudes, so a
 * detector tuned on one draw can be checked on another it has not seen. docs/model.md ("Contextual
 * benchmark") explains each population and each injected kind.
 */

export const ANOMALY_KINDS = [
  "quiet_burst",
  "value_spike",
  "new_sender_fortune",
  "dust_spray",
  "drain_fan_in",
  "new_counterparty_large",
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const TRAFFIC_STYLES = ["default", "heldout"] as const;
export type TrafficStyle = (typeof TRAFFIC_STYLES)[number];

/** [low, high], both included for counts. */
export type Range = readonly [number, number];

export interface PopulationOptions {
  /** Share of the established addresses that are trading bots (high rate, contract calls). */
  botShare: number;
  /** Exchange hot wallets: large sums every hour, withdrawals to many never-seen addresses. */
  hotWallets: number;
  /** Exchange cold wallets: a few very large top-ups of the hot wallets a day. */
  coldWallets: number;
  /** Share of the established addresses that are deposit addresses (many senders, periodic sweeps). */
  depositShare: number;
  /** Median over users of their own median amount, in ETH. */
  userMedianEth: number;
  /** Spread of the users' medians, in decades (log10 standard deviation): dust senders to whales. */
  userMedianSpreadLog10: number;
  /** Spread of one address's amounts around its own median, in decades. */
  txSpreadLog10: number;
  /** Users' own rates, per day: log-normal median and spread in decades, clipped to [min, max]. */
  userRatePerDay: { median: number; spreadLog10: number; min: number; max: number };
  /** Bots' rates per hour. */
  botRatePerHour: Range;
  /** Hot wallets' rates per hour. */
  hotWalletRatePerHour: Range;
  /** Per user: share of contract calls, drawn uniformly from this range. */
  contractShare: Range;
  /** Per user: share of transfers to a recipient the user has not paid before. */
  newRecipientShare: Range;
  /** Hot wallets: share of withdrawals to never-seen addresses. */
  hotWalletNewRecipientShare: number;
  /** Brand-new addresses whose first transaction ever falls in the day, per hour (for 2,500 addresses). */
  newcomersPerHour: number;
  /** Per user transfer: probability of a legitimately large one (10–40× the user's median). */
  largeTransferRate: number;
  /** Per user transfer: probability of a rare very large one (50–150×: savings moved, a car bought). */
  veryLargeTransferRate: number;
  /** NFT mint rushes (a never-seen contract paid by dozens of established users within minutes), per half. */
  mintRushesPerHalf: number;
}

export interface GasOptions {
  /** Long-run base fee, gwei. */
  baseFeeGwei: number;
  /** Standard deviation of ln(base fee) around its level. */
  baseFeeSpreadLn: number;
  /** Blocks for a base fee swing to halve. */
  baseFeeHalfLifeBlocks: number;
  /** Median priority fee of people, gwei. */
  userTipGwei: number;
  /** Median priority fee of bots, gwei (they outbid for inclusion). */
  botTipGwei: number;
}

export interface AnomalyOptions {
  /** Events per kind for 2,500 addresses (scaled with --addresses, at least 1). */
  events: Record<AnomalyKind, number>;
  /** quiet_burst: transactions per burst and the burst's length in minutes. */
  burstSize: Range;
  burstMinutes: Range;
  /** value_spike: multiple of the address's usual amount (log-uniform). */
  spikeFactor: Range;
  /** new_sender_fortune: the first transaction's amount, ETH (log-uniform). */
  fortuneEth: Range;
  /** dust_spray: distinct wallets sprayed per event, minutes it takes, and the dust amount in ETH. */
  sprayTargets: Range;
  sprayMinutes: Range;
  dustEth: Range;
  /** drain_fan_in: victims per collector, the window in minutes, and each victim's amount as a multiple of its median. */
  drainVictims: Range;
  drainMinutes: Range;
  drainFactor: Range;
  /** new_counterparty_large: multiple of the usual amount sent to a never-seen recipient. */
  newCounterpartyFactor: Range;
  /** Largest amount any injected transaction moves, ETH (whales × 10,000 would exceed the supply). */
  maxEth: number;
}

export interface ContextualTrafficOptions {
  seed: number;
  style: TrafficStyle;
  /** Length of the simulated day; anomalies are injected in the second half only. */
  hours: number;
  /** Established addresses with their own history (users, bots, exchange and deposit wallets). */
  addresses: number;
  /** Unix seconds of the first block. */
  startTimestamp: number;
  startBlock: number;
  population: PopulationOptions;
  gas: GasOptions;
  anomalies: AnomalyOptions;
}

/** Options for a style; `overrides` replace whole top-level fields (seed, hours, addresses...). */
export function contextualTrafficOptions(
  style: TrafficStyle = "default",
  overrides: Partial<Omit<ContextualTrafficOptions, "style">> = {},
): ContextualTrafficOptions {
  const base = style === "heldout" ? HELDOUT : DEFAULT;
  return { ...base, ...overrides, style };
}

const DEFAULT: Omit<ContextualTrafficOptions, "style"> = {
  seed: 17,
  hours: 24,
  addresses: 2_500,
  startTimestamp: 1_735_689_600, // 2025-01-01T00:00:00Z
  startBlock: 21_525_000,
  population: {
    botShare: 0.005,
    hotWallets: 4,
    coldWallets: 2,
    depositShare: 0.015,
    userMedianEth: 0.12,
    userMedianSpreadLog10: 0.9,
    txSpreadLog10: 0.35,
    userRatePerDay: { median: 6, spreadLog10: 0.45, min: 1.5, max: 96 },
    botRatePerHour: [10, 40],
    hotWalletRatePerHour: [40, 120],
    contractShare: [0.2, 0.8],
    newRecipientShare: [0.03, 0.2],
    hotWalletNewRecipientShare: 0.65,
    newcomersPerHour: 30,
    largeTransferRate: 0.005,
    veryLargeTransferRate: 0.0005,
    mintRushesPerHalf: 2,
  },
  gas: {
    baseFeeGwei: 12,
    baseFeeSpreadLn: 0.3,
    baseFeeHalfLifeBlocks: 100,
    userTipGwei: 0.5,
    botTipGwei: 3,
  },
  anomalies: {
    events: {
      quiet_burst: 5,
      value_spike: 45,
      new_sender_fortune: 50,
      dust_spray: 3,
      drain_fan_in: 3,
      new_counterparty_large: 45,
    },
    burstSize: [10, 30],
    burstMinutes: [2, 8],
    spikeFactor: [100, 10_000],
    fortuneEth: [200, 5_000],
    sprayTargets: [20, 50],
    sprayMinutes: [2, 8],
    dustEth: [1e-9, 1e-5],
    drainVictims: [15, 35],
    drainMinutes: [10, 40],
    drainFactor: [15, 200],
    newCounterpartyFactor: [15, 80],
    maxEth: 50_000,
  },
};

/** Another market: dearer gas, richer and busier users, more bots and services, other magnitudes. */
const HELDOUT: Omit<ContextualTrafficOptions, "style"> = {
  ...DEFAULT,
  seed: 90_210,
  startTimestamp: 1_751_328_000, // 2025-07-01T00:00:00Z
  startBlock: 22_818_000,
  population: {
    ...DEFAULT.population,
    botShare: 0.012,
    hotWallets: 7,
    coldWallets: 3,
    depositShare: 0.025,
    userMedianEth: 0.4,
    userMedianSpreadLog10: 1.1,
    txSpreadLog10: 0.5,
    userRatePerDay: { median: 4, spreadLog10: 0.55, min: 1, max: 120 },
    botRatePerHour: [6, 60],
    hotWalletRatePerHour: [20, 90],
    contractShare: [0.3, 0.95],
    newRecipientShare: [0.05, 0.3],
    hotWalletNewRecipientShare: 0.5,
    newcomersPerHour: 60,
    largeTransferRate: 0.01,
    veryLargeTransferRate: 0.001,
    mintRushesPerHalf: 4,
  },
  gas: {
    baseFeeGwei: 30,
    baseFeeSpreadLn: 0.4,
    baseFeeHalfLifeBlocks: 150,
    userTipGwei: 1.5,
    botTipGwei: 8,
  },
  anomalies: {
    events: {
      quiet_burst: 6,
      value_spike: 35,
      new_sender_fortune: 35,
      dust_spray: 2,
      drain_fan_in: 4,
      new_counterparty_large: 60,
    },
    burstSize: [8, 20],
    burstMinutes: [1, 12],
    spikeFactor: [60, 3_000],
    fortuneEth: [80, 2_000],
    sprayTargets: [25, 60],
    sprayMinutes: [3, 15],
    dustEth: [1e-12, 1e-7],
    drainVictims: [10, 25],
    drainMinutes: [5, 60],
    drainFactor: [8, 80],
    newCounterpartyFactor: [8, 40],
    maxEth: 30_000,
  },
};
