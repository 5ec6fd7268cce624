import type { Logger } from "@chainwatch/service-kit";
import type { Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, type Options, type RateLimitInfo, rateLimit, type Store } from "express-rate-limit";
import { RedisStore } from "rate-limit-redis";
import type { Principal } from "../auth/principal.ts";
import { HttpError } from "../http/errors.ts";

export interface RateLimitOptions {
  /** Distinguishes limiter tiers in Redis keys and headers (e.g. "default", "batch", "login"). */
  tier: string;
  requestsPerMinute: number;
  burst: number;
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

/**
 * Fixed one-minute window of `requestsPerMinute + burst` requests per client (principal, else IP). Every
 * request it is given counts: which tier a request belongs to is decided by the caller (server.ts).
 *
 * Fail-open: if the Redis store errors, the request is let through (and counted). The limiter protects
 * capacity, not correctness, and a Redis outage should not turn into an API outage.
 */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  const limit = options.requestsPerMinute + options.burst;
  const onStoreError = options.onStoreError ?? (() => {});
  const store = options.redis
    ? new RecoveringRedisStore(
        new RedisStore({
          prefix: `chainwatch:ratelimit:v1:${options.tier}:`,
          sendCommand: (command: string, ...args: string[]) =>
            options.redis?.call(command, ...args) as Promise<number | string>,
        }),
        onStoreError,
        options.logger,
      )
    : undefined;

  return rateLimit({
    windowMs: 60_000,
    limit,
    // `RateLimit` and `RateLimit-Policy` (IETF draft 7) only: the legacy X-RateLimit-* trio said the same
    // in three more headers and a re-formatted `Date` on every response.
    standardHeaders: "draft-7",
    legacyHeaders: false,
    passOnStoreError: true,
    ...(store ? { store } : {}),
    keyGenerator: rateLimitKey,
    // Our own error type so the body is the same JSON shape as every other error.
    handler: (req, _res, next) => {
      const resetTime = (req as typeof req & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
      const retryAfterSeconds = resetTime
        ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
        : 60;
      next(
        new HttpError(
          429,
          "RATE_LIMITED",
          `rate limit of ${limit} requests per minute exceeded (${options.tier})`,
          {
            headers: { "Retry-After": String(retryAfterSeconds) },
            details: { tier: options.tier, limit, windowSeconds: 60, retryAfterSeconds },
          },
        ),
      );
    },
    validate: { trustProxy: false, xForwardedForHeader: false },
  });
}
