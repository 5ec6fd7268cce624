import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./backoff.ts";
import { createCircuitBreaker } from "./breaker.ts";

describe("retry backoff", () => {
  const options = { initialDelayMs: 1_000, maxDelayMs: 60_000 };
  it("doubles from the initial delay to the ceiling, with half of each wait random", () => {
    expect(retryDelayMs(1, options, () => 0)).toBe(500);
    expect(retryDelayMs(1, options, () => 1)).toBe(1_000);
    expect(retryDelayMs(2, options, () => 1)).toBe(2_000);
    expect(retryDelayMs(4, options, () => 0.5)).toBe(6_000);
    expect(retryDelayMs(7, options, () => 1)).toBe(60_000);
    expect(retryDelayMs(50, options, () => 0)).toBe(30_000);
  });
});

describe("circuit breaker", () => {
  it("opens after the threshold, lets one trial through after openMs, closes on its success", () => {
    let clock = 0;
    const breaker = createCircuitBreaker({ failureThreshold: 3, openMs: 1_000, now: () => clock });
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state()).toBe("closed");
    breaker.onFailure();
    expect(breaker.state()).toBe("open");
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryInMs()).toBe(1_000);
    clock = 1_000;
    expect(breaker.state()).toBe("half-open");
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.onSuccess();
    expect(breaker.state()).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("opens again when the half-open trial fails", () => {
    let clock = 0;
    const breaker = createCircuitBreaker({ failureThreshold: 1, openMs: 500, now: () => clock });
    breaker.onFailure();
    clock = 600;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure();
    expect(breaker.state()).toBe("open");
    expect(breaker.retryInMs()).toBe(500);
  });

  it("frees a half-open trial that was not attempted, without closing the breaker", () => {
    let clock = 0;
    const breaker = createCircuitBreaker({ failureThreshold: 1, openMs: 500, now: () => clock });
    breaker.onFailure();
    clock = 500;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.abandon();
    expect(breaker.state()).toBe("half-open");
    expect(breaker.tryAcquire()).toBe(true);
  });
});
