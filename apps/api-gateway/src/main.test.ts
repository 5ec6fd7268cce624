import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, spawnService, waitForHttp } from "@chainwatch/testing";
import { describe, expect, it } from "vitest";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));

describe("api-gateway process", () => {
  it("starts on the embedded defaults, prints its URL and the console's, serves /health and exits 0 on SIGTERM", {
    timeout: 150_000,
  }, async () => {
    const port = String(await freePort());
    const service = spawnService(mainPath, {
      PORT: port,
      HOST: "127.0.0.1",
      REDIS_URL: "",
      REDIS_ENABLED: "false",
      PGLITE_DATA_DIR: "memory",
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`, { service });
    // The banner and the first answer reach this process on different pipes: wait for the banner.
    await expect
      .poll(() => service.output(), { timeout: 10_000 })
      .toContain(`ready at http://127.0.0.1:${port}`);
    expect(service.output()).toContain("embedded PostgreSQL in memory");
    expect(service.output()).toContain(`console: http://127.0.0.1:${port}/console`);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
    expect(await service.stop("SIGTERM")).toBe(0);
    expect(service.output()).toContain('"msg":"shutdown complete"');
  });

  // Two cold starts, the first creating the database: bounds for a busy CI machine, not speed checks.
  it("keeps its admin key and data across a restart on the embedded default", {
    timeout: 300_000,
  }, async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), "chainwatch-start-"));
    const port = String(await freePort());
    const env = { PORT: port, HOST: "127.0.0.1", REDIS_URL: "", REDIS_ENABLED: "false" };
    const base = `http://127.0.0.1:${port}`;
    const hash = `0x${"cd".repeat(32)}`;
    try {
      const first = spawnService(mainPath, env, { cwd: workDir });
      await waitForHttp(`${base}/health`, { service: first });
      await expect.poll(() => first.output(), { timeout: 10_000 }).toContain("ready at");
      const key = /\n {4}(cw_[0-9a-f]{64})\n/.exec(first.output())?.[1] ?? "";
      expect(key).not.toBe("");
      expect(first.output()).toContain(`embedded PostgreSQL in ${path.join(workDir, ".chainwatch", "data")}`);
      const headers = { "x-api-key": key, "content-type": "application/json" };
      const ingest = await fetch(`${base}/api/v1/transactions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ hash, value: 2.5, gas: 21_000, gasPrice: 25 }),
      });
      expect(ingest.status).toBe(202);
      expect(await first.stop("SIGTERM")).toBe(0);

      const second = spawnService(mainPath, env, { cwd: workDir });
      await waitForHttp(`${base}/health`, { service: second });
      await expect.poll(() => second.output(), { timeout: 10_000 }).toContain("ready at");
      expect(second.output()).not.toContain("admin API key");
      const lookup = await fetch(`${base}/api/v1/transactions/${hash}`, { headers });
      expect(lookup.status).toBe(200);
      expect(((await lookup.json()) as { hash: string }).hash).toBe(hash);
      expect(await second.stop("SIGTERM")).toBe(0);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it("refuses to start with invalid configuration and names the setting", async () => {
    const service = spawnService(mainPath, { PORT: "not-a-port" });
    expect(await service.stop("SIGCONT")).toBe(78);
    expect(service.output()).toMatch(/PORT/);
  });
});
