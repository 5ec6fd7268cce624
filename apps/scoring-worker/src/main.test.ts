import { fileURLToPath } from "node:url";
import { spawnService, waitForHttp } from "@chainwatch/testing";
import { describe, expect, it } from "vitest";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));

describe("scoring-worker process", () => {
  it("serves health and metrics on its own port and exits 0 on SIGTERM", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const service = spawnService(mainPath, { HEALTH_PORT: port, HEALTH_HOST: "127.0.0.1" });
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`, { service });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('service="scoring-worker"');
    expect(await service.stop("SIGTERM")).toBe(0);
  });
});
