import type { Logger } from "@chainwatch/service-kit";
import type { RequestHandler } from "express";
import { type Options, type RateLimitInfo, rateLimit, type Store } from "express-rate-limit";
import { RedisStore } from "rate-limit-redis";
import { HttpError } from "../http/errors.ts";

export interface RateLimitOptions {
  requestsPerMinute: number;
  burst: number;
  /** Shared counters across replicas; undefined → per-process memory. */
  redis?: { call(command: string, ...args: string[]): Promise<unknown> };
  logger: Logger;
  onStoreError?: () => void;
  /** Paths that are never limited (probes and scrapes must not be throttled). */
  isExempt: (path: string) => boolean;
}

/**
 * rate-limit-redis loads its Lua scripts once in init(); if Redis is down at that moment the stored
 * promise stays rejected and every later call fails. This wrapper reloads the scripts after a failure,
 * so the shared limit comes back by itself when Redis does.
 */
class RecoveringRedisStore implements Store {
  readonly #inner: RedisStore;
  readonly #onError: () => void;
  prefix: string;

  constructor(inner: RedisStore, onError: () => void) {
    this.#inner = inner;
    this.#onError = onError;
    this.prefix = inner.prefix;
  }

  async init(options: Options): Promise<void> {
    try {
      await this.#inner.init(options);
    } catch {
      this.#onError();
    }
  }

  #reloadScripts(): void {
    const increment = this.#inner.loadIncrementScript();
    const get = this.#inner.loadGetScript();
    // Handled here so a reload that fails while Redis is still down is not an unhandled rejection.
    increment.catch(() => {});
    get.catch(() => {});
    this.#inner.incrementScriptSha = increment;
    this.#inner.getScriptSha = get;
  }

  async #guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      this.#onError();
      this.#reloadScripts();
      throw error;
    }
  }

  get = (key: string) => this.#guard(() => this.#inner.get(key));
  increment = (key: string) => this.#guard(() => this.#inner.increment(key));
  decrement = (key: string) => this.#guard(() => this.#inner.decrement(key));
  resetKey = (key: string) => this.#guard(() => this.#inner.resetKey(key));
}

/**
 * Fixed one-minute window of RATE_LIMIT_RPM + RATE_LIMIT_BURST requests per client IP.
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
          prefix: "chainwatch:ratelimit:v1:",
          sendCommand: (command: string, ...args: string[]) =>
            options.redis?.call(command, ...args) as Promise<number | string>,
        }),
        onStoreError,
      )
    : undefined;

  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-7",
    legacyHeaders: true,
    passOnStoreError: true,
    ...(store ? { store } : {}),
    skip: (req) => options.isExempt(req.path),
    // Our own error type so the body is the same JSON shape as every other error.
    handler: (req, _res, next) => {
      const resetTime = (req as typeof req & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
      const retryAfterSeconds = resetTime
        ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
        : 60;
      next(
        new HttpError(429, "RATE_LIMITED", `rate limit of ${limit} requests per minute exceeded`, {
          headers: { "Retry-After": String(retryAfterSeconds) },
          details: { limit, windowSeconds: 60, retryAfterSeconds },
        }),
      );
    },
    validate: { trustProxy: false, xForwardedForHeader: false },
  });
}
