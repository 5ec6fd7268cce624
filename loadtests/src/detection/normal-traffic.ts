import { addressWord, callData, ethToWei, SELECTORS, TRANSFER_GAS, uintWord } from "./ethereum.ts";
import type { Actor, Contract, World } from "./population.ts";
import type { Random } from "./random.ts";
import type { AnomalyKind, ContextualTrafficOptions, Range } from "./traffic-options.ts";

/** A transaction before it is placed in a block: time, parties, amount, gas and call data. */
export interface Draft {
  /** Seconds since the first block of the day. */
  time: number;
  from: string;
  to: string | null;
  valueWei: bigint;
  gas: number;
  input: string;
  /** Priority fee, gwei; the gas price is the block's base fee plus this. */
  tipGwei: number;
  label: AnomalyKind | null;
  eventId: number | null;
}

type Parts = Omit<Draft, "time" | "from" | "label" | "eventId">;

const MAX_UINT256 = (1n << 256n) - 1n;
/** Activity of people over the day: ±35 % around the mean, busiest at 15:00 UTC (Europe and the Americas). */
const DIURNAL_AMPLITUDE = 0.35;
const diurnal = (seconds: number) =>
  1 + DIURNAL_AMPLITUDE * Math.cos((2 * Math.PI * (seconds - 15 * 3_600)) / 86_400);

/** Normal traffic of the whole day: every actor's own sessions, plus the NFT mint rushes. */
export function normalTraffic(world: World, options: ContextualTrafficOptions, random: Random): Draft[] {
  const drafts: Draft[] = [];
  const builder = createTransactionBuilder(world, options, random);
  const durationSeconds = options.hours * 3_600;
  for (const actor of world.actors) {
    const isPerson = actor.role === "user" || actor.role === "newcomer";
    // People act in sessions (approve then swap, a few payments at once); services send one at a time.
    const meanSessionSize = isPerson ? 1.6 : 1;
    const peak = isPerson || actor.role === "hot_wallet" ? 1 + DIURNAL_AMPLITUDE : 1;
    const sessionsPerSecond = actor.ratePerHour / 3_600 / meanSessionSize;
    let time = actor.activeFromSeconds;
    // A newcomer's first transaction ever is the moment it arrives.
    let isFirst = actor.role === "newcomer";
    for (;;) {
      if (!isFirst) time += random.exponential(1 / (sessionsPerSecond * peak));
      if (time >= durationSeconds) break;
      if (!isFirst && peak > 1 && !random.chance(diurnal(time) / peak)) continue;
      isFirst = false;
      const size = isPerson ? sessionSize(random) : 1;
      let at = time;
      for (let i = 0; i < size && at < durationSeconds; i++) {
        drafts.push({ time: at, from: actor.address, label: null, eventId: null, ...builder(actor) });
        at += random.uniform(15, 240);
      }
    }
  }
  drafts.push(...newcomerFunding(world, random), ...mintRushes(world, options, random));
  return drafts;
}

/**
 * Half the newcomers are funded by an exchange withdrawal minutes before their first transaction, as
 * most new wallets are; the others get their first ETH where the data does not show it (a bridge or a
 * contract's internal transfer), so "never seen at all" is also normal.
 */
function newcomerFunding(world: World, random: Random): Draft[] {
  if (world.hotWallets.length === 0) return [];
  return world.newcomers.flatMap((newcomer) => {
    const time = newcomer.activeFromSeconds - random.uniform(2, 30) * 60;
    if (time < 0 || !random.chance(0.5)) return [];
    const exchange = random.pick(world.hotWallets);
    return [
      {
        time,
        from: exchange.address,
        to: newcomer.address,
        valueWei: ethToWei(newcomer.medianEth * random.uniform(2, 20), 4),
        gas: TRANSFER_GAS,
        input: "0x",
        tipGwei: random.logNormal(exchange.tipGwei, 0.15),
        label: null,
        eventId: null,
      },
    ];
  });
}

function sessionSize(random: Random): number {
  const u = random.next();
  return u < 0.6 ? 1 : u < 0.85 ? 2 : random.int(3, 5);
}

/**
 * Legitimate fan-in to a never-seen address: a new NFT collection opens its mint and dozens of
 * established users pay the same price to a contract deployed minutes before, within half an hour.
 */
function mintRushes(world: World, options: ContextualTrafficOptions, random: Random): Draft[] {
  const drafts: Draft[] = [];
  const halfSeconds = (options.hours * 3_600) / 2;
  const people = world.users;
  for (let half = 0; half < 2; half++) {
    for (let rush = 0; rush < options.population.mintRushesPerHalf; rush++) {
      const contract = world.freshAddress(random);
      const windowSeconds = random.uniform(10, 40) * 60;
      const start = half * halfSeconds + random.uniform(0, Math.max(0, halfSeconds - windowSeconds));
      const price = ethToWei(random.logUniform(0.005, 0.08), 2);
      const minters = random.shuffle([...people]).slice(0, Math.min(people.length, random.int(30, 120)));
      for (const minter of minters) {
        const quantity = random.chance(0.7) ? 1 : random.int(2, 3);
        drafts.push({
          time: start + random.uniform(0, windowSeconds),
          from: minter.address,
          to: contract,
          valueWei: price * BigInt(quantity),
          gas: random.int(90_000, 220_000),
          input: callData(SELECTORS.mint, [uintWord(BigInt(quantity))]),
          tipGwei: random.logNormal(minter.tipGwei * 3, 0.2),
          label: null,
          eventId: null,
        });
      }
    }
  }
  return drafts;
}

/** Builds the parts of one normal transaction of an actor, by its role. */
export function createTransactionBuilder(
  world: World,
  options: ContextualTrafficOptions,
  random: Random,
): (actor: Actor) => Parts {
  const builder = new TransactionBuilder(world, options, random);
  return (actor) => builder.build(actor);
}

class TransactionBuilder {
  readonly #world: World;
  readonly #options: ContextualTrafficOptions;
  readonly #random: Random;

  constructor(world: World, options: ContextualTrafficOptions, random: Random) {
    this.#world = world;
    this.#options = options;
    this.#random = random;
  }

  build(actor: Actor): Parts {
    const random = this.#random;
    const world = this.#world;
    switch (actor.role) {
      case "user":
      case "newcomer":
        return random.chance(actor.contractShare) ? this.#personCall(actor) : this.#personTransfer(actor);
      case "bot": {
        const targets = actor.favouriteContracts.length > 0 ? actor.favouriteContracts : world.contracts;
        const valueWei = random.chance(0.15) ? this.#amount(actor) : 0n;
        const selector = random.chance(0.5) ? SELECTORS.execute : SELECTORS.multicall;
        return this.#call(
          actor,
          random.pick(targets).address,
          valueWei,
          [200_000, 500_000],
          selector,
          [6, 14],
        );
      }
      case "hot_wallet": {
        if (random.chance(0.003) && world.coldWallets.length > 0) {
          // Excess float back to cold storage.
          const cold = random.pick(world.coldWallets).address;
          return this.#plain(actor, cold, ethToWei(random.logUniform(300, 3_000), 2));
        }
        // Withdrawals: mostly to addresses it never paid, in ETH or in a popular token.
        const to = this.#recipient(actor);
        if (random.chance(actor.contractShare)) return this.#tokenTransfer(actor, this.#topToken(), to);
        return this.#plain(actor, to, this.#amount(actor, random.chance(0.01) ? random.uniform(20, 200) : 1));
      }
      case "cold_wallet":
        return this.#plain(actor, this.#recipient(actor, true), this.#amount(actor));
      case "deposit": {
        // Sweeps of what customers paid in, to the exchange's hot wallet.
        const to = this.#recipient(actor, true);
        return random.chance(actor.contractShare)
          ? this.#tokenTransfer(actor, this.#topToken(), to)
          : this.#plain(actor, to, this.#amount(actor));
      }
    }
  }

  #personTransfer(actor: Actor): Parts {
    const random = this.#random;
    const { veryLargeTransferRate, largeTransferRate } = this.#options.population;
    // Rare legitimate large payments, mostly to someone the sender already pays (an exchange, a friend).
    if (random.chance(veryLargeTransferRate)) {
      const to = this.#recipient(actor, random.chance(0.8));
      return this.#plain(actor, to, this.#amount(actor, random.uniform(50, 150)));
    }
    if (random.chance(largeTransferRate)) {
      const to = this.#recipient(actor, random.chance(0.8));
      return this.#plain(actor, to, this.#amount(actor, random.uniform(10, 40)));
    }
    return this.#plain(actor, this.#recipient(actor), this.#amount(actor));
  }

  #personCall(actor: Actor): Parts {
    const random = this.#random;
    const world = this.#world;
    if (random.chance(0.001)) {
      // A contract deployment: init code, no recipient.
      const initCode = `0x60806040${random.hex(2 * random.int(800, 4_000))}`;
      return {
        to: null,
        valueWei: 0n,
        gas: random.int(500_000, 3_000_000),
        input: initCode,
        tipGwei: this.#tip(actor),
      };
    }
    const contract =
      actor.favouriteContracts.length > 0 && random.chance(0.85)
        ? random.pick(actor.favouriteContracts)
        : (world.contracts[random.zipf(world.contracts.length, 1.1)] as Contract);
    const to = contract.address;
    switch (contract.kind) {
      case "token": {
        if (random.chance(0.65)) return this.#tokenTransfer(actor, contract, this.#recipient(actor));
        const spender = world.routers.length > 0 ? random.pick(world.routers).address : to;
        const allowance = random.chance(0.6) ? MAX_UINT256 : BigInt(random.int(1, 2 ** 40)) * 10n ** 9n;
        const input = callData(SELECTORS.approve, [addressWord(spender), uintWord(allowance)]);
        return { to, valueWei: 0n, gas: random.int(50_000, 70_000), input, tipGwei: this.#tip(actor) };
      }
      case "router":
        return random.chance(0.55)
          ? this.#call(
              actor,
              to,
              this.#amount(actor),
              [150_000, 350_000],
              SELECTORS.swapExactETHForTokens,
              [4, 6],
            )
          : this.#call(
              actor,
              to,
              0n,
              [180_000, 450_000],
              random.chance(0.5) ? SELECTORS.swapExactTokensForTokens : SELECTORS.execute,
              [5, 9],
            );
      case "nft":
        return random.chance(0.3)
          ? this.#call(actor, to, 0n, [50_000, 70_000], SELECTORS.setApprovalForAll, [2, 2])
          : this.#call(actor, to, this.#amount(actor), [150_000, 350_000], SELECTORS.execute, [6, 10]);
      case "bridge":
        return this.#call(
          actor,
          to,
          this.#amount(actor),
          [100_000, 200_000],
          SELECTORS.bridgeDeposit,
          [3, 3],
        );
      case "weth":
        return random.chance(0.6)
          ? this.#call(actor, to, this.#amount(actor), [50_000, 60_000], SELECTORS.deposit, [0, 0])
          : this.#call(actor, to, 0n, [50_000, 60_000], SELECTORS.withdraw, [1, 1]);
    }
  }

  #tip(actor: Actor): number {
    return this.#random.logNormal(actor.tipGwei, 0.15);
  }

  /** An amount of the actor's own scale, sometimes a round one (people send 0.5 ETH). */
  #amount(actor: Actor, multiple = 1): bigint {
    const eth = this.#random.logNormal(actor.medianEth, actor.spreadLog10) * multiple;
    return ethToWei(eth, this.#random.chance(0.3) ? 1 : 5);
  }

  /** A usual counterparty, or (at the actor's own rate) someone new: mostly an address never seen. */
  #recipient(actor: Actor, preferKnown = false): string {
    const random = this.#random;
    const isNew = !preferKnown && random.chance(actor.newRecipientShare);
    if (isNew || actor.counterparties.length === 0) {
      return random.chance(0.7) ? this.#world.freshAddress(random) : random.pick(this.#world.users).address;
    }
    return actor.counterparties[random.zipf(actor.counterparties.length, 1)] as string;
  }

  #plain(actor: Actor, to: string, valueWei: bigint): Parts {
    return { to, valueWei, gas: TRANSFER_GAS, input: "0x", tipGwei: this.#tip(actor) };
  }

  /** A call with `words` 32-byte arguments (address-like; real call data is mostly such padded words). */
  #call(actor: Actor, to: string, valueWei: bigint, gas: Range, selector: string, words: Range): Parts {
    const random = this.#random;
    const args = Array.from({ length: random.int(...words) }, () => `${"0".repeat(24)}${random.hex(40)}`);
    return {
      to,
      valueWei,
      gas: random.int(...gas),
      input: callData(selector, args),
      tipGwei: this.#tip(actor),
    };
  }

  #tokenTransfer(actor: Actor, token: Contract, to: string): Parts {
    const amount = BigInt(this.#random.int(1, 2 ** 31)) * 10n ** 12n;
    const input = callData(SELECTORS.transfer, [addressWord(to), uintWord(amount)]);
    return {
      to: token.address,
      valueWei: 0n,
      gas: this.#random.int(50_000, 90_000),
      input,
      tipGwei: this.#tip(actor),
    };
  }

  #topToken(): Contract {
    const tokens = this.#world.tokens;
    return tokens[this.#random.zipf(Math.min(5, tokens.length), 1)] as Contract;
  }
}
