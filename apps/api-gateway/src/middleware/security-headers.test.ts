import type { AddressInfo } from "node:net";
import express, { type RequestHandler } from "express";
import helmet from "helmet";
import { describe, expect, it } from "vitest";
import { securityHeaders } from "./security-headers.ts";

/** The headers a minimal app answers with, behind one middleware (Date and connection framing left out). */
async function headersBehind(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(middleware);
  app.get("/", (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await response.arrayBuffer();
    const skipped = new Set(["date", "connection", "keep-alive"]);
    return Object.fromEntries([...response.headers].filter(([name]) => !skipped.has(name)));
  } finally {
    server.close();
  }
}

describe("securityHeaders", () => {
  it("sends exactly the headers helmet's defaults send", async () => {
    const ours = await headersBehind(securityHeaders());
    expect(ours).toEqual(await headersBehind(helmet()));
    expect(ours["content-security-policy"]).toContain("default-src 'self'");
    expect(ours["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(ours["x-content-type-options"]).toBe("nosniff");
  });
});
