import { describe, expect, it } from "vitest";
import { createLifecycle } from "./lifecycle.ts";
import { createLogger } from "./logger.ts";

const silent = createLogger({ name: "t", level: "silent" });

function recordingLifecycle() {
  const calls: string[] = [];
  const lifecycle = createLifecycle({ logger: silent });
  const step = (name: string, fail?: "start" | "stop") => ({
    start: () => {
      calls.push(`start ${name}`);
      if (fail === "start") throw new Error(`${name} start failed`);
    },
    stop: async () => {
      calls.push(`stop ${name}`);
      if (fail === "stop") throw new Error(`${name} stop failed`);
    },
  });
  return { calls, lifecycle, step };
}

describe("lifecycle", () => {
  it("starts in order and stops in reverse, once", async () => {
    const { calls, lifecycle, step } = recordingLifecycle();
    lifecycle.add("database", step("database"));
    lifecycle.add("cache", step("cache"));
    lifecycle.add("http", step("http"));
    await lifecycle.start();
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    expect(calls).toEqual([
      "start database",
      "start cache",
      "start http",
      "stop http",
      "stop cache",
      "stop database",
    ]);
  });

  it("isolates a failing stop: later steps still stop, and the failure is reported at the end", async () => {
    const { calls, lifecycle, step } = recordingLifecycle();
    lifecycle.add("database", step("database"));
    lifecycle.add("queue", step("queue", "stop"));
    lifecycle.add("http", step("http"));
    await lifecycle.start();
    await expect(lifecycle.stop()).rejects.toThrow("1 stop step(s) failed");
    expect(calls.slice(3)).toEqual(["stop http", "stop queue", "stop database"]);
  });

  it("stops what was built when a start step fails, and rethrows", async () => {
    const { calls, lifecycle, step } = recordingLifecycle();
    lifecycle.add("database", step("database"));
    lifecycle.add("kafka", step("kafka", "start"));
    lifecycle.add("http", step("http"));
    await expect(lifecycle.start()).rejects.toThrow("kafka start failed");
    expect(calls).toEqual(["start database", "start kafka", "stop http", "stop kafka", "stop database"]);
  });
});
