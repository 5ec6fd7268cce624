import { addressWord, callData, ethToWei, SELECTORS, TRANSFER_GAS, uintWord } from "./ethereum.ts";
import type { Draft } from "./normal-traffic.ts";
import type { Actor, World } from "./population.ts";
import type { Random } from "./random.ts";
import { ANOMALY_KINDS, type AnomalyKind, type ContextualTrafficOptions } from "./traffic-options.ts";

/** One injected incident; each of its transactions carries its kind and id as the label. */
export interface AnomalyEvent {
  id: number;
  kind: AnomalyKind;
  /** The sender, or for drain_fan_in the never-seen collector. */
  actor: string;
  /** Seconds since the first block. */
  startSeconds: number;
  transactions: number;
  /** Distinct other parties: recipients (burst, spray, spike), or the drained senders (drain_fan_in). */
  counterparties: string[];
  /** The amount as a multiple of the sender's median (value_spike, drain_fan_in, new_counterparty_large). */
  factor?: number;
}

/** Who sent when in the normal traffic: how established an address is at a given time. */
class History {
  readonly #times = new Map<string, number[]>();
  constructor(drafts: readonly Draft[]) {
    for (const draft of drafts) {
      const times = this.#times.get(draft.from);
      if (times) times.push(draft.time);
      else this.#times.set(draft.from, [draft.time]);
    }
    for (const times of this.#times.values()) times.sort((a, b) => a - b);
  }
  /** Transactions `address` sent before `time`. */
  sentBefore(address: string, time: number): number {
    const times = this.#times.get(address) ?? [];
    let low = 0;
    let high = times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((times[mid] as number) < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }
  /** Sent at least once in [from, to). */
  sentBetween(address: string, from: number, to: number): boolean {
    return this.sentBefore(address, to) > this.sentBefore(address, from);
  }
}

/** What every kind's injector works with: the world, the history, the event log. */
class Injection {
  readonly drafts: Draft[] = [];
  readonly events: AnomalyEvent[] = [];
  readonly history: History;
  readonly world: World;
  readonly options: ContextualTrafficOptions;
  readonly random: Random;
  readonly #used = new Set<string>();
  readonly #durationSeconds: number;
  readonly #splitSeconds: number;
  /** dust_spray events so far: they alternate between ETH dust and token transfers. */
  sprays = 0;

  constructor(world: World, normal: readonly Draft[], options: ContextualTrafficOptions, random: Random) {
    this.world = world;
    this.options = options;
    this.random = random;
    this.history = new History(normal);
    this.#durationSeconds = options.hours * 3_600;
    this.#splitSeconds = secondHalfStartSeconds(options.hours);
  }

  /** A start in the second half that leaves room for `lengthSeconds` before the day ends. */
  start(lengthSeconds: number): number {
    const earliest = this.#splitSeconds + 60;
    return this.random.uniform(earliest, Math.max(earliest, this.#durationSeconds - lengthSeconds - 60));
  }

  /** People at `time` with at least `minSent` transactions before it (else at least one), not used yet. */
  established(time: number, minSent: number, accept: (actor: Actor) => boolean = () => true): Actor[] {
    const open = this.world.users.filter((actor) => !this.#used.has(actor.address) && accept(actor));
    const seasoned = open.filter((actor) => this.history.sentBefore(actor.address, time) >= minSent);
    return seasoned.length > 0
      ? seasoned
      : open.filter((actor) => this.history.sentBefore(actor.address, time) >= 1);
  }

  open(kind: AnomalyKind, actor: string, startSeconds: number): AnomalyEvent {
    const event: AnomalyEvent = {
      id: this.events.length + 1,
      kind,
      actor,
      startSeconds,
      transactions: 0,
      counterparties: [],
    };
    this.events.push(event);
    this.use(actor);
    return event;
  }

  /** An address takes part in one event at most. */
  use(address: string): void {
    this.#used.add(address);
  }

  add(event: AnomalyEvent, fields: Omit<Draft, "label" | "eventId">): void {
    this.drafts.push({ ...fields, label: event.kind, eventId: event.id });
    event.transactions++;
  }

  /** A plain ETH transfer; `tipOf` is the usual priority fee of the sender (a fresh one: a person's). */
  transfer(
    event: AnomalyEvent,
    from: string,
    to: string,
    valueWei: bigint,
    time: number,
    tipOf?: Actor,
  ): void {
    this.add(event, { time, from, to, valueWei, gas: TRANSFER_GAS, input: "0x", tipGwei: this.tip(tipOf) });
  }

  tip(actor?: Actor): number {
    return actor
      ? this.random.logNormal(actor.tipGwei, 0.15)
      : this.random.logNormal(this.options.gas.userTipGwei, 0.3);
  }

  /** One of the actor's usual recipients with probability `knownShare`, else an address never seen. */
  knownOrFresh(actor: Actor, knownShare: number): string {
    return actor.counterparties.length > 0 && this.random.chance(knownShare)
      ? this.random.pick(actor.counterparties)
      : this.world.freshAddress(this.random);
  }

  /** Keeps what falls inside the day (all of it unless the day is shorter than an event). */
  result(): { drafts: Draft[]; events: AnomalyEvent[] } {
    const drafts = this.drafts.filter((draft) => draft.time < this.#durationSeconds);
    for (const event of this.events) {
      event.transactions = drafts.filter((draft) => draft.eventId === event.id).length;
    }
    return { drafts, events: this.events.filter((event) => event.transactions > 0) };
  }
}

/** A quiet address (a few transactions a day) sends days of its usual activity within minutes. */
function quietBurst(x: Injection): void {
  const { random, world, options } = x;
  const lengthSeconds = random.uniform(...options.anomalies.burstMinutes) * 60;
  const start = x.start(lengthSeconds);
  const candidates = x.established(start, 2, (actor) => actor.ratePerHour * 24 <= 8);
  if (candidates.length === 0) return;
  const actor = random.pick(candidates);
  const event = x.open("quiet_burst", actor.address, start);
  const size = random.int(...options.anomalies.burstSize);
  const recipients = new Set<string>();
  for (let i = 0; i < size; i++) {
    const time = start + (lengthSeconds * i) / size + random.uniform(0, lengthSeconds / size);
    const to = x.knownOrFresh(actor, 0.3);
    recipients.add(to);
    // Ordinary amounts: only the pace is unusual.
    const valueWei = ethToWei(random.logNormal(actor.medianEth, actor.spreadLog10), 5);
    const token = world.tokens[random.zipf(Math.min(5, world.tokens.length), 1)];
    if (random.chance(0.3) && token) {
      const input = callData(SELECTORS.transfer, [addressWord(to), uintWord(valueWei / 10n ** 6n)]);
      const gas = random.int(50_000, 90_000);
      x.add(event, {
        time,
        from: actor.address,
        to: token.address,
        valueWei: 0n,
        gas,
        input,
        tipGwei: x.tip(actor),
      });
    } else {
      x.transfer(event, actor.address, to, valueWei, time, actor);
    }
  }
  event.counterparties = [...recipients];
}

/** An established address moves 100×–10,000× its usual amount, in one transfer or two or three. */
function valueSpike(x: Injection): void {
  const { random, options } = x;
  const { spikeFactor, maxEth } = options.anomalies;
  const start = x.start(600);
  const candidates = x.established(start, 3, (actor) => actor.medianEth * spikeFactor[0] <= maxEth);
  if (candidates.length === 0) return;
  const actor = random.pick(candidates);
  const factor = Math.min(random.logUniform(...spikeFactor), maxEth / actor.medianEth);
  const event = x.open("value_spike", actor.address, start);
  event.factor = factor;
  const count = random.chance(0.75) ? 1 : random.int(2, 3);
  for (let i = 0; i < count; i++) {
    const to = x.knownOrFresh(actor, 0.6);
    event.counterparties.push(to);
    const valueWei = ethToWei(actor.medianEth * factor * random.uniform(0.8, 1), 4);
    x.transfer(event, actor.address, to, valueWei, start + i * random.uniform(20, 200), actor);
  }
}

/** A never-seen address's very first transaction moves hundreds to thousands of ETH. */
function newSenderFortune(x: Injection): void {
  const { random, world, options } = x;
  const start = x.start(60);
  const sender = world.freshAddress(random);
  const event = x.open("new_sender_fortune", sender, start);
  const valueWei = ethToWei(random.logUniform(...options.anomalies.fortuneEth), 3);
  // Cashing out at an exchange, moving on to another fresh address, or straight into a swap.
  const u = random.next();
  const router = world.routers.length > 0 ? random.pick(world.routers).address : undefined;
  if (u >= 0.8 && router) {
    event.counterparties.push(router);
    const words = Array.from({ length: 5 }, () => `${"0".repeat(24)}${random.hex(40)}`);
    const input = callData(SELECTORS.swapExactETHForTokens, words);
    const gas = random.int(150_000, 350_000);
    x.add(event, { time: start, from: sender, to: router, valueWei, gas, input, tipGwei: x.tip() });
    return;
  }
  const to =
    u < 0.45 && world.deposits.length > 0 ? random.pick(world.deposits).address : world.freshAddress(random);
  event.counterparties.push(to);
  x.transfer(event, sender, to, valueWei, start);
}

/**
 * Address poisoning: a fresh address sends dust to 20–50 wallets that just transacted (so its look-alike
 * address tops their history), as plain ETH dust or as tiny transfers of a popular token, in turn.
 */
function dustSpray(x: Injection): void {
  const { random, world, options, history } = x;
  const { sprayMinutes, sprayTargets, dustEth } = options.anomalies;
  const lengthSeconds = random.uniform(...sprayMinutes) * 60;
  const start = x.start(lengthSeconds);
  const sender = world.freshAddress(random);
  const event = x.open("dust_spray", sender, start);
  const recent = world.users.filter((actor) => history.sentBetween(actor.address, start - 3_600, start));
  const pool = random.shuffle(recent.length >= sprayTargets[0] ? recent : [...world.users]);
  const victims = pool.slice(0, random.int(...sprayTargets)).map((actor) => actor.address);
  const token = x.sprays++ % 2 === 1 ? world.tokens[0]?.address : undefined;
  victims.forEach((victim, i) => {
    const slot = lengthSeconds / victims.length;
    const time = start + slot * i + random.uniform(0, slot);
    if (token) {
      const amount = random.chance(0.5) ? 0n : BigInt(random.int(1, 1_000));
      const input = callData(SELECTORS.transfer, [addressWord(victim), uintWord(amount)]);
      const gas = random.int(50_000, 65_000);
      x.add(event, { time, from: sender, to: token, valueWei: 0n, gas, input, tipGwei: x.tip() });
    } else {
      x.transfer(event, sender, victim, ethToWei(random.logUniform(...dustEth), 2), time);
    }
  });
  event.counterparties = victims;
}

/** A wallet drainer's collection: many established wallets each send most of their balance to one new address. */
function drainFanIn(x: Injection): void {
  const { random, world, options } = x;
  const { drainMinutes, drainFactor, drainVictims, maxEth } = options.anomalies;
  const lengthSeconds = random.uniform(...drainMinutes) * 60;
  const start = x.start(lengthSeconds);
  const candidates = x.established(start, 2, (actor) => actor.medianEth * drainFactor[0] <= maxEth);
  const victims = random.shuffle(candidates).slice(0, random.int(...drainVictims));
  if (victims.length === 0) return;
  const collector = world.freshAddress(random);
  const event = x.open("drain_fan_in", collector, start);
  for (const victim of victims) {
    x.use(victim.address);
    // Most of the wallet's balance: tens to hundreds of its usual payments.
    const factor = Math.min(random.logUniform(...drainFactor), maxEth / victim.medianEth);
    const time = start + random.uniform(0, lengthSeconds);
    x.transfer(event, victim.address, collector, ethToWei(victim.medianEth * factor, 4), time, victim);
    event.counterparties.push(victim.address);
  }
}

/** An established address sends a large-for-it amount to an address never seen before. */
function newCounterpartyLarge(x: Injection): void {
  const { random, world, options } = x;
  const { newCounterpartyFactor, maxEth } = options.anomalies;
  const start = x.start(60);
  const candidates = x.established(start, 2, (actor) => actor.medianEth * newCounterpartyFactor[0] <= maxEth);
  if (candidates.length === 0) return;
  const actor = random.pick(candidates);
  const factor = Math.min(random.logUniform(...newCounterpartyFactor), maxEth / actor.medianEth);
  const event = x.open("new_counterparty_large", actor.address, start);
  event.factor = factor;
  const to = world.freshAddress(random);
  event.counterparties.push(to);
  x.transfer(event, actor.address, to, ethToWei(actor.medianEth * factor, 4), start, actor);
}

const INJECTORS: Record<AnomalyKind, (injection: Injection) => void> = {
  quiet_burst: quietBurst,
  value_spike: valueSpike,
  new_sender_fortune: newSenderFortune,
  dust_spray: dustSpray,
  drain_fan_in: drainFanIn,
  new_counterparty_large: newCounterpartyLarge,
};

/**
 * Contextual anomalies in the second half of the day only: each is ordinary for the stateless features
 * (ordinary gas and call data, often ordinary amounts) and unusual only against the sender's or the
 * recipient's history. Targets are chosen from the normal traffic already generated (an "established"
 * address has sent at least twice before the event); an address takes part in one event at most.
 * Events per kind scale with the number of addresses (at least one each).
 */
export function injectAnomalies(
  world: World,
  normal: readonly Draft[],
  options: ContextualTrafficOptions,
  random: Random,
): { drafts: Draft[]; events: AnomalyEvent[] } {
  const injection = new Injection(world, normal, options, random);
  for (const kind of ANOMALY_KINDS) {
    const count = Math.max(1, Math.round(options.anomalies.events[kind] * (options.addresses / 2_500)));
    for (let i = 0; i < count; i++) INJECTORS[kind](injection);
  }
  return injection.result();
}

/** The second half starts at the first block at or after half the day (anomalies live there only). */
export function secondHalfStartSeconds(hours: number): number {
  return Math.ceil((hours * 3_600) / 2 / 12) * 12;
}
