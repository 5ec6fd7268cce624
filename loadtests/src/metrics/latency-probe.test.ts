import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLatencyProbe } from "./latency-probe.ts";

describe("latency probe", () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/slow") setTimeout(() => response.end("ok"), 150);
      else if (request.url === "/down") {
        response.statusCode = 503;
        response.end();
      } else if (request.url === "/ok") response.end("ok");
      // Anything else never answers: the probe's timeout must count it.
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("records latency, timeouts and non-2xx answers per path until the deadline", async () => {
    const probe = startLatencyProbe({
      baseUrl,
      paths: ["/ok", "/slow", "/down", "/stall"],
      until: performance.now() + 1_000,
      intervalMs: 250,
      timeoutMs: 400,
    });
    await probe.done;
    const summary = probe.summary();
    expect(summary["/stall"]).toMatchObject({ timeouts: summary["/stall"]?.probes, maxMs: 400, non2xx: 0 });
    expect(summary["/stall"]?.probes).toBeGreaterThanOrEqual(2);
    expect(summary["/down"]).toMatchObject({ timeouts: 0, non2xx: summary["/down"]?.probes });
    expect(summary["/slow"]?.timeouts).toBe(0);
    expect(summary["/slow"]?.p50Ms).toBeGreaterThanOrEqual(150);
    expect(summary["/ok"]).toMatchObject({ timeouts: 0, non2xx: 0 });
    expect(summary["/ok"]?.probes).toBeGreaterThanOrEqual(3);
    const worst = probe.takeWorstMs();
    expect(worst["/stall"]).toBe(400);
    expect(probe.takeWorstMs()).toEqual({ "/ok": 0, "/slow": 0, "/down": 0, "/stall": 0 });
  });
});
