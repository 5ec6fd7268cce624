import type { Logger } from "pino";
import type { Component } from "./component.ts";
import { once } from "./once.ts";

/** One part of a service: either side may be absent (a client opened at construction only needs stop). */
export interface LifecycleStep {
  start?: () => Promise<void> | void;
  stop?: () => Promise<void> | void;
}

export interface Lifecycle extends Component {
  /** Appends a step: steps start in the order added and stop in reverse. */
  add(name: string, step: LifecycleStep): void;
}

/**
 * The ordered set of a service's components. `start()` starts them in order and, if one fails, stops what
 * was added (in reverse) before rethrowing. `stop()` stops every step in reverse, once: each failure is
 * isolated and logged, so a failing step never skips closing the database or the cache after it, and the
 * call rejects at the end with every failure. Steps that were never started are stopped too: their clients
 * may have been opened at construction, and every stop is idempotent.
 */
export function createLifecycle(options: { logger: Logger }): Lifecycle {
  const { logger } = options;
  const steps: { name: string; step: LifecycleStep }[] = [];

  const stop = once(async () => {
    const failures: unknown[] = [];
    for (const { name, step } of [...steps].reverse()) {
      if (!step.stop) continue;
      const startedAt = performance.now();
      try {
        await step.stop();
        logger.debug({ step: name, durationMs: Math.round(performance.now() - startedAt) }, "stopped");
      } catch (error) {
        failures.push(error);
        logger.error({ step: name, err: error }, "stop step failed; continuing with the rest");
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} stop step(s) failed`);
  });

  return {
    add(name, step) {
      steps.push({ name, step });
    },
    async start() {
      for (const { name, step } of steps) {
        try {
          await step.start?.();
        } catch (error) {
          logger.error({ step: name, err: error }, "start step failed; stopping what was built");
          await stop().catch(() => {});
          throw error;
        }
      }
    },
    stop,
  };
}
