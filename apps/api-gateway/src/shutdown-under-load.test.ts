import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPgliteDatabase } from "@chainwatch/store";
import { freePort, spawnService, waitForHttp } from "@chainwatch/testing";
import { afterAll, describe, expect, it } from "vitest";
import { generateApiKey } from "./auth/api-key-format.ts";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
const CONNECTIONS = 16;

type Outcome =
  | { kind: "answered"; status: number; hash: string; connection: string | undefined }
  | { kind: "error"; code: string };

/** One predict on a keep-alive agent; a transport error is reported, never thrown. */
function predict(agent: Agent, port: number, apiKey: string): Promise<Outcome> {
  const hash = `0x${randomBytes(32).toString("hex")}`;
  const body = JSON.stringify({ hash, value: 1.5, gas: 21_000, gasPrice: 30 });
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/v1/predict",
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "x-api-key": apiKey },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            kind: "answered",
            status: res.statusCode ?? 0,
            hash,
            connection: res.headers.connection,
          }),
        );
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ kind: "error", code: error.code ?? error.message }),
    );
    req.end(body);
  });
}

describe("SIGTERM under keep-alive load", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "chainwatch-drain-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("answers every request in flight, exits 0, and stores every prediction it answered 200", {
    timeout: 180_000,
  }, async () => {
    const port = await freePort();
    const apiKey = generateApiKey();
    const service = spawnService(mainPath, {
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_ENABLED: "false",
      PGLITE_DATA_DIR: dataDir,
      BOOTSTRAP_ADMIN_API_KEY: apiKey,
      ENABLE_RATE_LIMITING: "false",
      LOG_LEVEL: "warn",
    });
    await waitForHttp(`http://127.0.0.1:${port}/health/live`, { service });

    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const outcomes: Outcome[] = [];
    let isSignalled = false;
    // Each loop keeps one connection busy until the gateway stops accepting new ones.
    const loops = Array.from({ length: CONNECTIONS }, async () => {
      for (;;) {
        const outcome = await predict(agent, port, apiKey);
        outcomes.push(outcome);
        if (outcome.kind === "error" && isSignalled) return;
        if (outcome.kind === "error") throw new Error(`request failed before shutdown: ${outcome.code}`);
      }
    });
    // Under steady load: at least 1.5 s of it and every connection answered at least twice (a slow machine
    // takes longer, never fails for it), bounded so a gateway that never answers fails here. A SIGTERM in
    // the very first moments of load is a separate, open case (ECONNRESET seen; docs/operations.md).
    const loadStarted = Date.now();
    const deadline = loadStarted + 60_000;
    while (
      (outcomes.length <= CONNECTIONS * 2 || Date.now() - loadStarted < 1_500) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const answeredBeforeSignal = outcomes.length;
    isSignalled = true;
    const exitCode = service.stop("SIGTERM");
    await Promise.all(loops);
    agent.destroy();

    expect(await exitCode).toBe(0);
    expect(answeredBeforeSignal).toBeGreaterThan(CONNECTIONS);
    const errors = outcomes.filter((outcome) => outcome.kind === "error").map((outcome) => outcome.code);
    // Once the listener is closed a new connection is refused: nothing was sent, so nothing is lost. A reset
    // or hang-up would be a request the gateway read and never answered.
    expect(new Set(errors)).toEqual(new Set(["ECONNREFUSED"]));
    const answered = outcomes.filter((outcome) => outcome.kind === "answered");
    expect(answered.every((outcome) => outcome.status === 200)).toBe(true);
    expect(answered.some((outcome) => outcome.connection === "close")).toBe(true);

    const database = await createPgliteDatabase({ dataDir });
    try {
      const hashes = answered.map((outcome) => outcome.hash);
      const { rows } = await database.query<{ stored: number }>(
        "SELECT count(*)::int AS stored FROM transactions WHERE hash = ANY($1::text[])",
        [hashes],
      );
      expect(rows[0]?.stored).toBe(hashes.length);
    } finally {
      await database.close();
    }
  });
});
