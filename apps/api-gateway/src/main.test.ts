import { fileURLToPath } from "node:url";
import { spawnService, waitForHttp } from "@chainwatch/testing";
import { describe, expect, it } from "vitest";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));

describe("api-gateway process", () => {
  it("starts on the embedded defaults, prints its URL, serves /health and exits 0 on SIGTERM", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const service = spawnService(mainPath, {
      PORT: port,
      HOST: "127.0.0.1",
      REDIS_URL: "",
      REDIS_ENABLED: "false",
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`, { service });
    expect(service.output()).toContain(`ready at http://127.0.0.1:${port}`);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
    expect(await service.stop("SIGTERM")).toBe(0);
    expect(service.output()).toContain('"msg":"shutdown complete"');
  });

  it("refuses to start with invalid configuration and names the setting", async () => {
    const service = spawnService(mainPath, { PORT: "not-a-port" });
    expect(await service.stop("SIGCONT")).toBe(78);
    expect(service.output()).toMatch(/PORT/);
  });
});
