import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  /** The request's path, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/**
 * A local HTTP receiver: records every request, answers `status()` (200 by default). `down()` closes the
 * listening socket (connections refused), `up()` listens again on the same port.
 */
export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
  setStatus(status: number): void;
}

export async function startReceiver(path = "/hook"): Promise<Receiver> {
  let status = 200;
  const requests: ReceivedRequest[] = [];
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const created = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          requests.push({
            path: req.url ?? "",
            headers: req.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            receivedAt: Date.now(),
          });
          res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "unavailable");
        });
      });
      created.once("error", reject);
      created.listen(port, "127.0.0.1", () => {
        port = (created.address() as AddressInfo).port;
        server = created;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = undefined;
      if (!current) return resolve();
      current.close(() => resolve());
      current.closeAllConnections();
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    down: stop,
    up: listen,
    close: stop,
    setStatus: (next) => {
      status = next;
    },
  };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
