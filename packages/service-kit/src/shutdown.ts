import type { Logger } from "pino";

export interface ShutdownRegistryOptions {
  logger: Logger;
  /** Hard bound for the whole shutdown; past it the process exits with code 1. */
  timeoutMs?: number;
  /** Injected so tests can observe the exit code instead of ending the test runner. */
  exit?: (code: number) => void;
}

export interface ShutdownRegistry {
  /** Handlers run in reverse order of registration: what started last (the HTTP server) stops first. */
  register(name: string, handler: () => Promise<void> | void): void;
  /** Installs SIGTERM/SIGINT and uncaught-error handlers on the process. */
  installSignalHandlers(): void;
  /** Runs every handler once, then exits with `exitCode` (or 1 if a handler failed or time ran out). */
  shutdown(reason: string, exitCode?: number): Promise<void>;
  readonly isShuttingDown: boolean;
}

export function createShutdownRegistry(options: ShutdownRegistryOptions): ShutdownRegistry {
  const { logger } = options;
  const timeoutMs = options.timeoutMs ?? 25_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const handlers: { name: string; handler: () => Promise<void> | void }[] = [];
  let running: Promise<void> | undefined;

  async function runHandlers(): Promise<boolean> {
    let isClean = true;
    for (const { name, handler } of [...handlers].reverse()) {
      const startedAt = performance.now();
      try {
        await handler();
        logger.info(
          { handler: name, durationMs: Math.round(performance.now() - startedAt) },
          "shutdown step done",
        );
      } catch (error) {
        isClean = false;
        logger.error({ handler: name, err: error }, "shutdown step failed");
      }
    }
    return isClean;
  }

  async function shutdown(reason: string, exitCode = 0): Promise<void> {
    running ??= (async () => {
      logger.info({ reason, timeoutMs }, "shutting down");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
        timer.unref();
      });
      const outcome = await Promise.race([runHandlers(), timedOut]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        logger.error({ timeoutMs }, "shutdown timed out");
        exit(1);
        return;
      }
      const code = outcome ? exitCode : 1;
      logger.info({ exitCode: code }, "shutdown complete");
      exit(code);
    })();
    return running;
  }

  return {
    register(name, handler) {
      handlers.push({ name, handler });
    },
    installSignalHandlers() {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => void shutdown(signal));
      }
      // After an uncaught error the process state is unknown: drain what we can, then exit non-zero.
      process.once("uncaughtException", (error) => {
        logger.fatal({ err: error }, "uncaught exception");
        void shutdown("uncaughtException", 1);
      });
      process.once("unhandledRejection", (error) => {
        logger.fatal({ err: error }, "unhandled rejection");
        void shutdown("unhandledRejection", 1);
      });
    },
    shutdown,
    get isShuttingDown() {
      return running !== undefined;
    },
  };
}
