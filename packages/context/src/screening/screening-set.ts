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

export interface ScreeningSnapshot {
  revision: string | number;
  entries: readonly ScreeningEntry[];
}

export interface ScreeningHit extends ScreeningEntry {
  role: "from" | "to";
}

export interface Screening {
  /** The labels of a transaction's two parties: a map lookup each (well under a microsecond). */
  screen(from: string | null, to: string | null, chainId?: number): ScreeningHit[];
}

export interface ScreeningSet extends Screening {
  /** Loads the snapshot now, then polls the revision every `intervalMs` and reloads when it moves. */
  start(): Promise<void>;
  stop(): void;
  /** Reloads if the revision moved; resolves true when it loaded a new snapshot. */
  refresh(): Promise<boolean>;
  revision(): string | null;
  size(): number;
}

export interface ScreeningSetOptions {
  snapshot(): Promise<ScreeningSnapshot>;
  revision(): Promise<string | number>;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

const NO_HITS: ScreeningHit[] = [];

/**
 * Screening lists in memory, per replica, refreshed from the store by revision (like the model registry
 * poller): one cheap query per interval, a full reload only when a label or list changed, so a change
 * reaches every replica within one interval plus one load. A failed poll keeps the last snapshot.
 */
export function createScreeningSet(options: ScreeningSetOptions): ScreeningSet {
  const now = options.now ?? Date.now;
  let byAddress = new Map<string, ScreeningEntry[]>();
  let loadedRevision: string | null = null;
  let timer: NodeJS.Timeout | undefined;

  async function load(): Promise<void> {
    const snapshot = await options.snapshot();
    const next = new Map<string, ScreeningEntry[]>();
    // Keyed by address alone (no string built per lookup); the chain is checked on the few entries found.
    for (const entry of snapshot.entries) {
      const key = entry.address.toLowerCase();
      const list = next.get(key);
      if (list) list.push(entry);
      else next.set(key, [entry]);
    }
    byAddress = next;
    loadedRevision = String(snapshot.revision);
    options.logger.info(
      { revision: loadedRevision, labels: snapshot.entries.length },
      "screening lists loaded",
    );
  }

  async function refresh(): Promise<boolean> {
    const revision = String(await options.revision());
    if (revision === loadedRevision) return false;
    await load();
    return true;
  }

  function hitsOf(address: string | null, role: "from" | "to", chainId: number, into: ScreeningHit[]) {
    if (address === null) return;
    const entries = byAddress.get(address);
    if (!entries) return;
    const at = now();
    for (const entry of entries) {
      if (entry.chainId !== chainId) continue;
      if (entry.expiresAt !== null && Date.parse(entry.expiresAt) <= at) continue;
      into.push({ ...entry, role });
    }
  }

  return {
    screen(from, to, chainId = 1) {
      if (byAddress.size === 0) return NO_HITS;
      const hits: ScreeningHit[] = [];
      hitsOf(from, "from", chainId, hits);
      if (to !== from) hitsOf(to, "to", chainId, hits);
      return hits.length === 0 ? NO_HITS : hits;
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
  };
}
