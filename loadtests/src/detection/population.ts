import { newAddress } from "./ethereum.ts";
import type { Random } from "./random.ts";
import type { ContextualTrafficOptions } from "./traffic-options.ts";

/**
 * Who sends in the simulated day. Every sender has its own scale, rate and counterparties; the
 * populations (docs/model.md, "Contextual benchmark") are people, trading bots, exchanges' hot, cold and
 * deposit wallets, and brand-new addresses that appear during the day.
 */
export type ActorRole = "user" | "bot" | "hot_wallet" | "cold_wallet" | "deposit" | "newcomer";

export type ContractKind = "token" | "router" | "nft" | "bridge" | "weth";
export interface Contract {
  address: string;
  kind: ContractKind;
}

export interface Actor {
  address: string;
  role: ActorRole;
  /** The address's own median amount, ETH. */
  medianEth: number;
  /** Spread of its amounts around that median, decades. */
  spreadLog10: number;
  ratePerHour: number;
  /** Share of its transactions that call a contract. */
  contractShare: number;
  /** Share of its transfers that go to a recipient it has not paid before. */
  newRecipientShare: number;
  /** Repeat recipients of its transfers, most used first. */
  counterparties: string[];
  /** The contracts it calls most (a wallet, a DEX, a token or two). */
  favouriteContracts: Contract[];
  /** Its usual priority fee, gwei. */
  tipGwei: number;
  /** Transactions it sent before the day: the nonce of its first one in the day. */
  priorNonce: number;
  /** Seconds into the day from which it sends: 0, or a newcomer's arrival. */
  activeFromSeconds: number;
}

export interface World {
  /** Every sender of normal traffic, established ones first, then newcomers by arrival. */
  actors: Actor[];
  users: Actor[];
  bots: Actor[];
  hotWallets: Actor[];
  coldWallets: Actor[];
  deposits: Actor[];
  newcomers: Actor[];
  /** By popularity, most called first. */
  contracts: Contract[];
  tokens: Contract[];
  routers: Contract[];
  /** An address no one has used yet (not an actor, not a contract, not handed out before). */
  freshAddress(random: Random): string;
}

const CONTRACT_MIX: readonly [ContractKind, number][] = [
  ["token", 40],
  ["router", 5],
  ["nft", 8],
  ["bridge", 3],
  ["weth", 1],
];

export function buildWorld(options: ContextualTrafficOptions, random: Random): World {
  const used = new Set<string>();
  const freshAddress = (source: Random) => {
    for (;;) {
      const address = newAddress(source);
      if (!used.has(address)) {
        used.add(address);
        return address;
      }
    }
  };
  const { population: p, gas } = options;

  const contracts: Contract[] = random.shuffle(
    CONTRACT_MIX.flatMap(([kind, count]) =>
      Array.from({ length: count }, () => ({ address: freshAddress(random), kind })),
    ),
  );
  const tokens = contracts.filter((contract) => contract.kind === "token");
  const routers = contracts.filter((contract) => contract.kind === "router");
  const pickContract = () => contracts[random.zipf(contracts.length, 1.1)] as Contract;
  const favourites = (count: number) => Array.from({ length: count }, pickContract);

  const actor = (role: ActorRole, fields: Partial<Actor>): Actor => ({
    address: freshAddress(random),
    role,
    medianEth: 0.1,
    spreadLog10: p.txSpreadLog10,
    ratePerHour: 1,
    contractShare: 0,
    newRecipientShare: 0,
    counterparties: [],
    favouriteContracts: [],
    tipGwei: random.logNormal(gas.userTipGwei, 0.3),
    priorNonce: 0,
    activeFromSeconds: 0,
    ...fields,
  });

  const hotWallets = Array.from({ length: p.hotWallets }, () =>
    actor("hot_wallet", {
      medianEth: random.logNormal(0.8, 0.2),
      spreadLog10: 0.8,
      ratePerHour: random.uniform(...p.hotWalletRatePerHour),
      contractShare: 0.25,
      newRecipientShare: p.hotWalletNewRecipientShare,
      tipGwei: random.logNormal(gas.userTipGwei * 2, 0.2),
      priorNonce: random.int(100_000, 3_000_000),
    }),
  );
  const exchangeOf = () => (hotWallets.length > 0 ? random.pick(hotWallets).address : freshAddress(random));
  const coldWallets = Array.from({ length: p.coldWallets }, () =>
    actor("cold_wallet", {
      medianEth: random.logNormal(1_500, 0.15),
      spreadLog10: 0.25,
      ratePerHour: random.uniform(2, 4) / 24,
      counterparties: [exchangeOf()],
      priorNonce: random.int(50, 800),
    }),
  );
  const depositCount = Math.max(1, Math.round(options.addresses * p.depositShare));
  const deposits = Array.from({ length: depositCount }, () =>
    actor("deposit", {
      medianEth: random.logNormal(3, 0.3),
      spreadLog10: 0.5,
      ratePerHour: random.uniform(0.3, 2),
      contractShare: 0.2,
      counterparties: [exchangeOf()],
      priorNonce: random.int(10, 5_000),
    }),
  );
  const botCount = Math.max(1, Math.round(options.addresses * p.botShare));
  const bots = Array.from({ length: botCount }, () =>
    actor("bot", {
      medianEth: random.logNormal(2, 0.5),
      spreadLog10: 0.6,
      ratePerHour: random.uniform(...p.botRatePerHour),
      contractShare: 0.97,
      favouriteContracts: random.shuffle([...routers]).slice(0, 2),
      tipGwei: random.logNormal(gas.botTipGwei, 0.3),
      priorNonce: random.int(10_000, 500_000),
    }),
  );
  const userCount = Math.max(
    1,
    options.addresses - hotWallets.length - coldWallets.length - deposits.length - bots.length,
  );
  const userRate = () => {
    const { median, spreadLog10, min, max } = p.userRatePerDay;
    return Math.min(max, Math.max(min, random.logNormal(median, spreadLog10))) / 24;
  };
  const person = (role: "user" | "newcomer", activeFromSeconds: number): Actor => {
    const ratePerHour = userRate();
    const ageDays = random.logUniform(30, 2_000);
    return actor(role, {
      medianEth: random.logNormal(p.userMedianEth, p.userMedianSpreadLog10),
      ratePerHour,
      contractShare: random.uniform(...p.contractShare),
      newRecipientShare: random.uniform(...p.newRecipientShare),
      favouriteContracts: favourites(random.int(2, 4)),
      priorNonce:
        role === "newcomer"
          ? 0
          : Math.min(100_000, Math.round(ratePerHour * 24 * ageDays * random.uniform(0.2, 1))),
      activeFromSeconds,
    });
  };
  const users = Array.from({ length: userCount }, () => person("user", 0));
  const durationSeconds = options.hours * 3_600;
  const newcomerCount = Math.round(p.newcomersPerHour * options.hours * (options.addresses / 2_500));
  const newcomers = Array.from({ length: newcomerCount }, () =>
    person("newcomer", random.uniform(0, durationSeconds)),
  ).sort((a, b) => a.activeFromSeconds - b.activeFromSeconds);

  // Counterparties: people pay their exchange deposit address (a few are very popular: fan-in) and a few
  // friends; a hot wallet's returning customers are users.
  const depositByPopularity = () => (deposits[random.zipf(deposits.length, 1)] as Actor).address;
  for (const person of [...users, ...newcomers]) {
    const counterparties = new Set<string>();
    if (random.chance(person.role === "newcomer" ? 0.8 : 0.6)) counterparties.add(depositByPopularity());
    const friends = person.role === "newcomer" ? random.int(0, 1) : random.int(1, 4);
    for (let i = 0; i < friends; i++) counterparties.add(random.pick(users).address);
    counterparties.delete(person.address);
    person.counterparties = [...counterparties];
  }
  for (const wallet of hotWallets) {
    wallet.counterparties = Array.from(
      { length: Math.min(300, users.length) },
      () => random.pick(users).address,
    );
  }

  return {
    actors: [...hotWallets, ...coldWallets, ...deposits, ...bots, ...users, ...newcomers],
    users,
    bots,
    hotWallets,
    coldWallets,
    deposits,
    newcomers,
    contracts,
    tokens,
    routers,
    freshAddress,
  };
}
