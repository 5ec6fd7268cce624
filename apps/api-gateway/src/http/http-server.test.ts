import { connect } from "node:net";
import { createLogger } from "@chainwatch/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer, type HttpServer } from "./http-server.ts";

/** Writes raw bytes to the server and returns everything it answers before closing. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
    });
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("http server", () => {
  let server: HttpServer;
  let port: number;
  beforeAll(async () => {
    server = createHttpServer({
      app: (_req, res) => res.end("ok"),
      port: 0,
      host: "127.0.0.1",
      drainMs: 1_000,
      logger: createLogger({ name: "t", level: "silent" }),
    });
    await server.start();
    port = Number(new URL(server.url()).port);
  });
  afterAll(() => server.stop());

  it("answers requests Node rejects before the app (a NUL byte in a header) with the JSON error body", async () => {
    const answer = await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n");
    const [head, body] = answer.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain("Content-Type: application/json");
    expect(JSON.parse(body ?? "")).toMatchObject({ code: "BAD_REQUEST", requestId: expect.any(String) });
  });

  it("answers an oversized header block with 431 JSON", async () => {
    const answer = await rawExchange(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.split("\r\n\r\n")[1] ?? "")).toMatchObject({ code: "HEADERS_TOO_LARGE" });
  });
});
