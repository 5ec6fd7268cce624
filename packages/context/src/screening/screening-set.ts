import type { Logger } from "@chainwatch/service-kit";

export type ListKind = "deny" | "allow" | "watch";

/** One label as every replica holds it in memory (from the store's screening snapshot). */
export interface ScreeningEntry {
  address: string;
  chainId: number;
  listId: string;
  listKind: ListKind;
  category: string;
  source: string | null;
  confidence: number | null;
  /** ISO time; a label past it no longer applies (the next snapshot drops it too). */
  expiresAt: string | null;
}

/** A reason code muted for one address after a false-positive review (store table reason_suppressions). */
export interface SuppressionEntry {
  suppressionId: string;
  address: string;
  chainId: number;
  reasonCode: string;
  /** ISO time; past it the suppression no longer applies (the next snapshot drops it too). */
  expiresAt: string;
  anomalyId: string | null;
}

export interface ScreeningSnapshot {
  revision: string | number;
  entries: readonly ScreeningEntry[];
  /** Active suppressions; the same revision covers them. Absent: none. */
  suppressions?: readonly SuppressionEntry[];
}

export interface ScreeningHit extends ScreeningEntry {
  role: "from" | "to";
}

export interface SuppressionHit extends SuppressionEntry {
  role: "from" | "to";
}

export interface Screening {
  /** The labels of a transaction's two parties: a map lookup each (well under a microsecond). */
  screen(from: string | null, to: string | null, chainId?: number): ScreeningHit[];
  /** The active reason suppressions of a transaction's two parties (a map lookup each). */
  suppressions?(from: string | null, to: string | null, chainId?: number): SuppressionHit[];
}

export interface ScreeningSet extends Screening {
  /** Loads the snapshot now, then polls the revision every `intervalMs` and reloads when it moves. */
  start(): Promise<void>;
  stop(): void;
  /** Reloads if the revision moved; resolves true when it loaded a new snapshot. */
  refresh(): Promise<boolean>;
  revision(): string | null;
  size(): number;
  /** Active suppressions held (by address). */
  suppressionCount(): number;
  suppressions(from: string | null, to: string | null, chainId?: number): SuppressionHit[];
}

export interface ScreeningSetOptions {
  snapshot(): Promise<ScreeningSnapshot>;
  revision(): Promise<string | number>;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

const NO_HITS: ScreeningHit[] = [];
const NO_SUPPRESSIONS: SuppressionHit[] = [];

/** Entries keyed by lower-case address: no string is built per lookup, the chain is checked on the few found. */
function byAddressOf<Entry extends { address: string }>(entries: readonly Entry[]): Map<string, Entry[]> {
  const map = new Map<string, Entry[]>();
  for (const entry of entries) {
    const key = entry.address.toLowerCase();
    const list = map.get(key);
    if (list) list.push(entry);
    else map.set(key, [entry]);
  }
  return map;
}

/** The live entries of one party: same chain, not expired at `at`. */
function partyHits<Entry extends { chainId: number; expiresAt: string | null }>(
  map: Map<string, Entry[]>,
  address: string | null,
  role: "from" | "to",
  chainId: number,
  at: number,
  into: (Entry & { role: "from" | "to" })[],
): void {
  if (address === null) return;
  const entries = map.get(address);
  if (!entries) return;
  for (const entry of entries) {
    if (entry.chainId !== chainId) continue;
    if (entry.expiresAt !== null && Date.parse(entry.expiresAt) <= at) continue;
    into.push({ ...entry, role });
  }
}

/**
 * Screening lists in memory, per replica, refreshed from the store by revision (like the model registry
 * poller): one cheap query per interval, a full reload only when a label or list changed, so a change
 * reaches every replica within one interval plus one load. A failed poll keeps the last snapshot.
 */
export function createScreeningSet(options: ScreeningSetOptions): ScreeningSet {
  const now = options.now ?? Date.now;
  let byAddress = new Map<string, ScreeningEntry[]>();
  let suppressionsByAddress = new Map<string, SuppressionEntry[]>();
  let loadedRevision: string | null = null;
  let timer: NodeJS.Timeout | undefined;

  async function load(): Promise<void> {
    const snapshot = await options.snapshot();
    const suppressions = snapshot.suppressions ?? [];
    byAddress = byAddressOf(snapshot.entries);
    suppressionsByAddress = byAddressOf(suppressions);
    loadedRevision = String(snapshot.revision);
    options.logger.info(
      { revision: loadedRevision, labels: snapshot.entries.length, suppressions: suppressions.length },
      "screening lists loaded",
    );
  }

  async function refresh(): Promise<boolean> {
    const revision = String(await options.revision());
    if (revision === loadedRevision) return false;
    await load();
    return true;
  }

  return {
    screen(from, to, chainId = 1) {
      if (byAddress.size === 0) return NO_HITS;
      const hits: ScreeningHit[] = [];
      const at = now();
      partyHits(byAddress, from, "from", chainId, at, hits);
      if (to !== from) partyHits(byAddress, to, "to", chainId, at, hits);
      return hits.length === 0 ? NO_HITS : hits;
    },
    suppressions(from, to, chainId = 1) {
      if (suppressionsByAddress.size === 0) return NO_SUPPRESSIONS;
      const hits: SuppressionHit[] = [];
      const at = now();
      partyHits(suppressionsByAddress, from, "from", chainId, at, hits);
      if (to !== from) partyHits(suppressionsByAddress, to, "to", chainId, at, hits);
      return hits.length === 0 ? NO_SUPPRESSIONS : hits;
    },
    async start() {
      // A store that is down at start leaves the lists empty until the first poll that reaches it: scoring
      // starts anyway (without labels), as it does without Redis.
      await load().catch((error: unknown) =>
        options.logger.warn({ err: error }, "screening lists not loaded at start; retrying every interval"),
      );
      timer = setInterval(() => {
        refresh().catch((error: unknown) =>
          options.logger.warn({ err: error }, "screening lists refresh failed; keeping the last snapshot"),
        );
      }, options.intervalMs);
      timer.unref();
    },
    stop: () => clearInterval(timer),
    refresh,
    revision: () => loadedRevision,
    size: () => byAddress.size,
    suppressionCount: () => [...suppressionsByAddress.values()].reduce((sum, list) => sum + list.length, 0),
  };
}
