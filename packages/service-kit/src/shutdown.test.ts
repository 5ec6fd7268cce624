import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { createShutdownRegistry } from "./shutdown.ts";

const silent = createLogger({ name: "t", level: "silent" });

describe("shutdown registry", () => {
  it("runs handlers once, in reverse order of registration, then exits with the given code", async () => {
    const calls: string[] = [];
    const codes: number[] = [];
    const registry = createShutdownRegistry({ logger: silent, exit: (code) => codes.push(code) });
    registry.register("clients", () => {
      calls.push("clients");
    });
    registry.register("http", async () => {
      calls.push("http");
    });
    await Promise.all([registry.shutdown("SIGTERM"), registry.shutdown("SIGINT")]);
    expect(calls).toEqual(["http", "clients"]);
    expect(codes).toEqual([0]);
    expect(registry.isShuttingDown).toBe(true);
  });

  it("keeps going after a failing handler and exits 1", async () => {
    const calls: string[] = [];
    const codes: number[] = [];
    const registry = createShutdownRegistry({ logger: silent, exit: (code) => codes.push(code) });
    registry.register("db", () => {
      calls.push("db");
    });
    registry.register("broken", () => {
      throw new Error("boom");
    });
    await registry.shutdown("SIGTERM");
    expect(calls).toEqual(["db"]);
    expect(codes).toEqual([1]);
  });

  it("exits 1 when handlers outlast the timeout", async () => {
    const codes: number[] = [];
    const registry = createShutdownRegistry({
      logger: silent,
      timeoutMs: 50,
      exit: (code) => codes.push(code),
    });
    registry.register("stuck", () => new Promise(() => {}));
    await registry.shutdown("SIGTERM");
    expect(codes).toEqual([1]);
  });
});
