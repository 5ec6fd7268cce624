import type { Logger } from "@chainwatch/service-kit";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, type Options, type Store } from "express-rate-limit";
import { RedisStore } from "rate-limit-redis";
import type { Principal } from "../auth/principal.ts";
import { HttpError } from "../http/errors.ts";
import { createFixedWindowCounter } from "./fixed-window-counter.ts";

export interface RateLimitOptions {
  /** Distinguishes limiter tiers in Redis keys and headers (e.g. "default", "batch", "login"). */
  tier: string;
  requestsPerMinute: number;
  burst: number;
  /** First segment of the shared counters' keys (REDIS_KEY_PREFIX). */
  keyPrefix?: string;
  /** Shared counters across replicas; undefined → per-process memory. */
  redis?: { call(command: string, ...args: string[]): Promise<unknown> };
  logger: Logger;
  onStoreError?: () => void;
}

/**
 * The client a request counts against: the authenticated principal when there is one (so many services
 * behind one NAT do not share a limit, and one key cannot escape it by changing IP), the IP otherwise.
 */
export function rateLimitKey(req: Request, res: Response): string {
  const principal = res.locals.principal as Principal | undefined;
  return principal ? `${principal.type}:${principal.id}` : `ip:${ipKeyGenerator(req.ip ?? "unknown")}`;
}

/**
 * rate-limit-redis loads its Lua scripts once in init(); if Redis is down at that moment (or the gateway
 * starts before its connection is up) every later call fails. This wrapper (re)loads the scripts lazily
 * before the first call after a failure, so the shared limit comes back by itself when Redis does.
 *
 * Fail-open is decided here: a store error lets the request through (counted by `onError`, logged once
 * per outage) instead of surfacing as an error.
 */
class RecoveringRedisStore implements Store {
  readonly #inner: RedisStore;
  readonly #onError: () => void;
  readonly #logger: Logger;
  #options: Options | undefined;
  #isReady = false;
  #isFailing = false;
  prefix: string;

  constructor(inner: RedisStore, onError: () => void, logger: Logger) {
    this.#inner = inner;
    this.#onError = onError;
    this.#logger = logger;
    this.prefix = inner.prefix;
  }

  async init(options: Options): Promise<void> {
    this.#options = options;
    // Deliberately not loading scripts here: the Redis connection may not be up yet.
  }

  async #call<T>(action: () => Promise<T>, fallback: () => T): Promise<T> {
    try {
      if (!this.#isReady && this.#options) {
        await this.#inner.init(this.#options);
        this.#isReady = true;
      }
      const result = await action();
      if (this.#isFailing) {
        this.#isFailing = false;
        this.#logger.info({}, "rate limit store recovered");
      }
      return result;
    } catch (error) {
      this.#isReady = false;
      this.#onError();
      if (!this.#isFailing) {
        this.#isFailing = true;
        this.#logger.warn({ err: error }, "rate limit store failing; requests pass unlimited (fail-open)");
      }
      return fallback();
    }
  }

  get = (key: string) =>
    this.#call(
      () => this.#inner.get(key),
      () => undefined,
    );
  // While failing open, every request counts as the first of a fresh window.
  increment = (key: string) =>
    this.#call(
      () => this.#inner.increment(key),
      () => ({ totalHits: 1, resetTime: new Date(Date.now() + (this.#options?.windowMs ?? 60_000)) }),
    );
  decrement = (key: string) =>
    this.#call(
      () => this.#inner.decrement(key),
      () => undefined,
    );
  resetKey = (key: string) =>
    this.#call(
      () => this.#inner.resetKey(key),
      () => undefined,
    );
}

const WINDOW_MS = 60_000;
const WINDOW_SECONDS = WINDOW_MS / 1000;

/** What the limiter needs from a store: one hit counted, the client's total and its window's end. */
type CountHit = (
  key: string,
) => { totalHits: number; resetAtMs: number } | Promise<{ totalHits: number; resetAtMs: number }>;

/**
 * Fixed one-minute window of `requestsPerMinute + burst` requests per client (principal, else IP). Every
 * request it is given counts: which tier a request belongs to is decided by the caller (server.ts).
 *
 * Headers: `RateLimit-Policy: <limit>;w=60` and `RateLimit: limit=…, remaining=…, reset=<seconds>` (IETF
 * draft 7, as express-rate-limit wrote them); a refusal is our 429 with `Retry-After`.
 *
 * Written here rather than with express-rate-limit's middleware, which this replaced: per request that
 * one ran an async wrapper and five awaits, evaluated `req.ip` for debug lines that were off, and
 * promisified the in-memory store; ~15 µs of CPU per cached predict (docs/benchmarks.md). The stores are
 * the same: in process, a synchronous fixed-window counter; shared, rate-limit-redis's Lua script.
 *
 * Fail-open: if the Redis store errors, the request is let through (and counted). The limiter protects
 * capacity, not correctness, and a Redis outage should not turn into an API outage.
 */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  const limit = options.requestsPerMinute + options.burst;
  const policy = `${limit};w=${WINDOW_SECONDS}`;
  const countHit = hitCounter(options);

  const apply = (res: Response, next: NextFunction, totalHits: number, resetAtMs: number) => {
    const resetSeconds = Math.max(0, Math.ceil((resetAtMs - Date.now()) / 1000));
    if (!res.headersSent) {
      res.setHeader("RateLimit-Policy", policy);
      res.setHeader(
        "RateLimit",
        `limit=${limit}, remaining=${Math.max(limit - totalHits, 0)}, reset=${resetSeconds}`,
      );
    }
    if (totalHits <= limit) {
      next();
      return;
    }
    const retryAfterSeconds = Math.max(1, resetSeconds);
    // Our own error type so the body is the same JSON shape as every other error.
    next(
      new HttpError(
        429,
        "RATE_LIMITED",
        `rate limit of ${limit} requests per minute exceeded (${options.tier})`,
        {
          headers: { "Retry-After": String(retryAfterSeconds) },
          details: { tier: options.tier, limit, windowSeconds: WINDOW_SECONDS, retryAfterSeconds },
        },
      ),
    );
  };

  return (req, res, next) => {
    const counted = countHit(rateLimitKey(req, res));
    if (!(counted instanceof Promise)) {
      apply(res, next, counted.totalHits, counted.resetAtMs);
      return;
    }
    counted.then(
      ({ totalHits, resetAtMs }) => apply(res, next, totalHits, resetAtMs),
      (error: unknown) => {
        // The Redis store fails open by itself; anything else that throws still lets the request pass.
        options.logger.error({ err: error }, "rate limit store error; request allowed");
        next();
      },
    );
  };
}

/** The in-process counter, or the shared Redis one (fail-open, reloading its scripts after an outage). */
function hitCounter(options: RateLimitOptions): CountHit {
  if (!options.redis) {
    const counter = createFixedWindowCounter(WINDOW_MS);
    return (key) => counter.increment(key);
  }
  const redis = options.redis;
  const store = new RecoveringRedisStore(
    new RedisStore({
      prefix: `${options.keyPrefix ?? "chainwatch"}:ratelimit:v1:${options.tier}:`,
      sendCommand: (command: string, ...args: string[]) =>
        redis.call(command, ...args) as Promise<number | string>,
    }),
    options.onStoreError ?? (() => {}),
    options.logger,
  );
  void store.init({ windowMs: WINDOW_MS } as Options);
  return async (key) => {
    const { totalHits, resetTime } = await store.increment(key);
    return { totalHits, resetAtMs: resetTime?.getTime() ?? Date.now() + WINDOW_MS };
  };
}
