import { randomBytes } from "node:crypto";
import type { AlertMetrics } from "@chainwatch/metrics";
import { type Component, type Logger, once, retryWithBackoff } from "@chainwatch/service-kit";
import { type BackoffOptions, retryDelayMs } from "./backoff.ts";
import { type BreakerOptions, type CircuitBreaker, createCircuitBreaker } from "./breaker.ts";
import type { DeliveryDestination, DestinationRepository } from "./destinations.ts";
import type { PostResult } from "./http-post.ts";
import type { ClaimedDelivery, DeliveryResult, Outbox } from "./outbox.ts";
import type { Sender } from "./sender.ts";

export interface DispatcherConfig {
  /** Rows claimed per round trip. */
  batchSize: number;
  /** How long a claimed row is this dispatcher's; after it, another dispatcher may take it (a crash). */
  leaseMs: number;
  /** Idle wait between claims when nothing is due (an in-process `notify()` cuts it short). */
  pollIntervalMs: number;
  /** From the alert's creation (or a redelivery by hand): past it a failing delivery is dead. */
  maxAgeMs: number;
  backoff: BackoffOptions;
  breaker: Omit<BreakerOptions, "now">;
  /** Deliveries claimed and not finished, all destinations together. */
  maxInFlight: number;
  destinationsRefreshMs: number;
  /** Alerts in one digest at most; more stay queued for the next window. */
  digestMaxAlerts: number;
  statsIntervalMs: number;
  /** Delivered rows are deleted after this long (their attempts with them). */
  deliveredRetentionMs: number;
}

export interface Dispatcher extends Component {
  /** Something was queued in this process: claim now instead of at the next poll. */
  notify(): void;
  /** Deliveries claimed by this dispatcher and not finished. */
  inFlight(): number;
  breakerStates(): Record<string, string>;
}

interface Lane {
  destination: DeliveryDestination;
  breaker: CircuitBreaker;
  queue: ClaimedDelivery[];
  active: number;
}

const BREAKER_VALUE = { closed: 0, "half-open": 1, open: 2 } as const;

/**
 * Delivers the outbox. Each round claims due rows under a lease (FOR UPDATE SKIP LOCKED: dispatchers never
 * block each other), queues them per destination, and runs at most the destination's `maxConcurrency`
 * requests at once. Each outcome is recorded with the row's move in one statement. A crash leaves its
 * claimed rows leased; they are claimed again when the lease passes (at-least-once: the receiver may see a
 * `webhook-id` twice and de-duplicates on it).
 */
export function createDispatcher(options: {
  outbox: Outbox;
  destinations: Pick<DestinationRepository, "listForDelivery">;
  sender: Sender;
  logger: Logger;
  config: DispatcherConfig;
  metrics?: AlertMetrics;
  /** Names this dispatcher in the leases it takes; random per process by default. */
  owner?: string;
}): Dispatcher {
  const { outbox, sender, config, metrics } = options;
  const logger = options.logger.child({ component: "alert-dispatcher" });
  const owner = options.owner ?? `dispatcher-${randomBytes(6).toString("hex")}`;
  const lanes = new Map<string, Lane>();
  const running = new Set<Promise<void>>();
  let claimedCount = 0;
  let isRunning = false;
  let loopDone: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  let destinationsAt = 0;
  let destinations = new Map<string, DeliveryDestination>();
  let statsTimer: NodeJS.Timeout | undefined;
  let lastPurgeAt = Date.now();

  const laneCap = (lane: Lane) => lane.destination.maxConcurrency * 16;

  async function refreshDestinations(force = false) {
    if (!force && Date.now() - destinationsAt < config.destinationsRefreshMs) return;
    const list = await options.destinations.listForDelivery();
    destinations = new Map(list.map((destination) => [destination.id, destination]));
    destinationsAt = Date.now();
    for (const [id, lane] of lanes) {
      const fresh = destinations.get(id);
      if (fresh) lane.destination = fresh;
    }
  }

  function laneOf(destination: DeliveryDestination): Lane {
    let lane = lanes.get(destination.id);
    if (!lane) {
      lane = {
        destination,
        breaker: createCircuitBreaker(config.breaker),
        queue: [],
        active: 0,
      };
      lanes.set(destination.id, lane);
    }
    return lane;
  }

  function track(work: Promise<void>) {
    running.add(work);
    void work.finally(() => running.delete(work));
  }

  async function release(rows: readonly ClaimedDelivery[], delayMs: number) {
    if (rows.length === 0) return;
    claimedCount -= rows.length;
    try {
      await outbox.release({ ids: rows.map((row) => row.id), owner, delayMs });
    } catch (error) {
      // Not fatal: the lease runs out and the rows are claimed again.
      logger.warn({ err: error, rows: rows.length }, "alert release failed; rows return when the lease ends");
    }
  }

  interface Outcome {
    lane: Lane;
    rows: readonly ClaimedDelivery[];
    result: PostResult;
    digestId?: string;
  }
  const outcomes: Outcome[] = [];
  let flushing: Promise<void> | undefined;

  /**
   * Outcomes are written in batches, one statement for all that finished while the previous write ran: one
   * statement per delivery capped a dispatcher at the database's round trips (the destination's slot was
   * held until its outcome was written). The rows stay claimed (and counted in flight) until written.
   */
  function recordOutcome(outcome: Outcome) {
    outcomes.push(outcome);
    if (flushing !== undefined) return;
    flushing = (async () => {
      while (outcomes.length > 0) {
        const batch = outcomes.splice(0, 500);
        const plain = batch.filter((entry) => entry.digestId === undefined);
        if (plain.length > 0) await writeOutcomes(plain);
        for (const digest of batch.filter((entry) => entry.digestId !== undefined))
          await writeOutcomes([digest], digest.digestId);
      }
      flushing = undefined;
    })();
    track(flushing);
  }

  async function writeOutcomes(batch: readonly Outcome[], digestId?: string): Promise<void> {
    const results: DeliveryResult[] = batch.flatMap(({ rows, result }) =>
      rows.map((row) => ({
        id: row.id,
        isOk: result.isOk,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error,
        retryDelayMs: retryDelayMs(row.attempts + 1, config.backoff),
      })),
    );
    try {
      const moved = await retryWithBackoff(
        () =>
          outbox.complete({ owner, maxAgeMs: config.maxAgeMs, results, ...(digestId ? { digestId } : {}) }),
        { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 2_000 },
      );
      for (const { lane, rows, result } of batch) {
        const destination = lane.destination.id;
        for (const row of rows) {
          const status = moved.get(row.id);
          if (status === "delivered") {
            metrics?.deliveriesTotal.inc({ destination, outcome: "delivered" });
            metrics?.scoredToDeliveredSeconds.observe(
              { kind: lane.destination.kind },
              (Date.now() - row.scoredAt.getTime()) / 1000,
            );
          } else if (status === "dead") {
            metrics?.deliveriesTotal.inc({ destination, outcome: "dead" });
            logger.warn(
              { destination, messageId: row.messageId, error: result.error },
              "alert dead-lettered",
            );
          } else if (status === "pending") metrics?.deliveriesTotal.inc({ destination, outcome: "failed" });
        }
      }
    } catch (error) {
      // The outcome is lost but not the alert: the row is still pending and comes back after the lease.
      logger.error(
        { err: error, rows: results.length },
        "alert outcome not recorded; redelivered after the lease",
      );
    } finally {
      claimedCount -= results.length;
    }
  }

  /** The window's last slot carries everything due for the destination, up to digestMaxAlerts. */
  async function gatherDigest(lane: Lane, first: ClaimedDelivery): Promise<ClaimedDelivery[]> {
    const rows = [first, ...lane.queue.splice(0, config.digestMaxAlerts - 1)];
    const room = config.digestMaxAlerts - rows.length;
    if (room > 0) {
      const extra = await outbox.claim({
        limit: room,
        leaseMs: config.leaseMs,
        owner,
        destinationId: lane.destination.id,
      });
      claimedCount += extra.length;
      rows.push(...extra);
    }
    return rows;
  }

  async function deliver(lane: Lane, row: ClaimedDelivery): Promise<void> {
    if (!lane.breaker.tryAcquire()) {
      await release([row], Math.max(lane.breaker.retryInMs(), config.pollIntervalMs));
      return;
    }
    let rows = [row];
    const cap = lane.destination.policy.rateCap;
    let digestId: string | undefined;
    try {
      if (cap) {
        const slot = await outbox.reserveSlot(lane.destination.id, cap);
        if (slot.used === null) {
          lane.breaker.abandon();
          await release([row], slot.windowLeftMs);
          return;
        }
        if (slot.used === cap.maxPerWindow) rows = await gatherDigest(lane, row);
      }
      let result: PostResult;
      if (rows.length > 1) {
        digestId = `digest_${randomBytes(12).toString("base64url")}`;
        result = await sender.sendDigest(
          lane.destination,
          digestId,
          rows.map((entry) => ({ messageId: entry.messageId, alert: entry.alert })),
        );
        if (result.isOk) metrics?.digestsTotal.inc({ destination: lane.destination.id });
      } else result = await sender.send(lane.destination, row.messageId, row.alert);
      metrics?.requestSeconds.observe({ kind: lane.destination.kind }, result.latencyMs / 1000);
      if (result.isOk) lane.breaker.onSuccess();
      else lane.breaker.onFailure();
      recordOutcome({ lane, rows, result, ...(digestId ? { digestId } : {}) });
    } catch (error) {
      lane.breaker.onFailure();
      logger.warn({ err: error, destination: lane.destination.id }, "alert delivery step failed");
      await release(rows, config.pollIntervalMs);
    }
  }

  function pump(lane: Lane) {
    while (lane.active < lane.destination.maxConcurrency && lane.queue.length > 0) {
      const row = lane.queue.shift() as ClaimedDelivery;
      lane.active += 1;
      track(
        deliver(lane, row).finally(() => {
          lane.active -= 1;
          pump(lane);
          wake?.();
        }),
      );
    }
  }

  async function dispatch(claimed: ClaimedDelivery[]) {
    claimedCount += claimed.length;
    if (claimed.some((row) => !destinations.has(row.destinationId))) await refreshDestinations(true);
    const orphans: ClaimedDelivery[] = [];
    const overflow: ClaimedDelivery[] = [];
    for (const row of claimed) {
      const destination = destinations.get(row.destinationId);
      // Disabled since it was queued: the row waits (and ages) until it is enabled again.
      if (!destination) {
        orphans.push(row);
        continue;
      }
      const lane = laneOf(destination);
      // Bounded so a slow destination's queued rows never wait past their lease.
      if (lane.queue.length >= laneCap(lane)) overflow.push(row);
      else lane.queue.push(row);
    }
    await release(orphans, config.destinationsRefreshMs);
    await release(overflow, config.pollIntervalMs);
    for (const lane of lanes.values()) pump(lane);
  }

  function waitForWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function loop() {
    while (isRunning) {
      const room = config.maxInFlight - claimedCount;
      if (room <= 0) {
        await waitForWake(config.pollIntervalMs);
        continue;
      }
      try {
        await refreshDestinations();
        const claimed = await outbox.claim({
          limit: Math.min(config.batchSize, room),
          leaseMs: config.leaseMs,
          owner,
        });
        if (claimed.length === 0) {
          await waitForWake(config.pollIntervalMs);
          continue;
        }
        await dispatch(claimed);
      } catch (error) {
        logger.warn({ err: error }, "alert outbox claim failed; retrying");
        await waitForWake(config.pollIntervalMs);
      }
    }
  }

  async function refreshStats() {
    try {
      const stats = await outbox.stats();
      metrics?.outboxDepth.set({ status: "pending" }, stats.pending);
      metrics?.outboxDepth.set({ status: "dead" }, stats.dead);
      metrics?.oldestPendingSeconds.set(stats.oldestPendingSeconds);
      for (const [id, lane] of lanes)
        metrics?.breakerState.set({ destination: id }, BREAKER_VALUE[lane.breaker.state()]);
      if (Date.now() - lastPurgeAt >= 3_600_000) {
        lastPurgeAt = Date.now();
        const purged = await outbox.purgeDelivered(config.deliveredRetentionMs, 10_000);
        if (purged > 0) logger.info({ purged }, "delivered alerts purged");
      }
    } catch (error) {
      logger.warn({ err: error }, "alert outbox stats failed");
    }
  }

  const stop = once(async () => {
    isRunning = false;
    wake?.();
    clearInterval(statsTimer);
    await loopDone;
    // Queued rows that never started go back at once; requests in flight finish (bounded by their timeout).
    const queued = [...lanes.values()].flatMap((lane) => lane.queue.splice(0));
    await release(queued, 0);
    // A finishing delivery may start another outcome write: wait until nothing is left.
    while (running.size > 0) await Promise.allSettled([...running]);
    logger.info({ owner }, "alert dispatcher stopped");
  });

  return {
    async start() {
      if (isRunning) return;
      await refreshDestinations(true);
      isRunning = true;
      loopDone = loop();
      statsTimer = setInterval(() => void refreshStats(), config.statsIntervalMs);
      statsTimer.unref();
      void refreshStats();
      logger.info({ owner }, "alert dispatcher started");
    },
    stop,
    notify: () => wake?.(),
    inFlight: () => claimedCount,
    breakerStates: () => Object.fromEntries([...lanes].map(([id, lane]) => [id, lane.breaker.state()])),
  };
}
