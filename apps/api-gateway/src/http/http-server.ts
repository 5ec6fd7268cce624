import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "@chainwatch/service-kit";

export interface HttpServer {
  start(): Promise<void>;
  /** Stops accepting, lets requests in flight finish, then closes every socket (bounded by `drainMs`). */
  stop(): Promise<void>;
  /** True from the moment stop() is called: responses then carry `Connection: close`. */
  readonly isDraining: boolean;
  url(): string;
}

/** How often idle sockets are looked for while draining. */
const SWEEP_MS = 50;
/**
 * While draining, a socket with no request in flight is closed once it has been idle this long. Not at once:
 * Node's own `server.close()` cuts every socket idle at that instant, including ones whose client has just
 * written its next request (measured here: ECONNRESET on requests the gateway never read, under 16
 * keep-alive connections). A busy client receives `Connection: close` within one request instead.
 */
const IDLE_GRACE_MS = 500;

interface SocketState {
  inFlight: number;
  idleSinceMs: number;
}

/**
 * The gateway's listener with a graceful drain. `server.close()` alone stops accepting connections but keeps
 * serving new requests on open keep-alive sockets: under load a gateway kept answering for its whole
 * shutdown timeout, exited 1, and predictions it had answered never reached the store because the flush
 * after it never ran. While draining, the app answers with `Connection: close` (see `isDraining`), so each
 * busy socket closes after its current response; sockets idle for IDLE_GRACE_MS are closed; after
 * `drainMs` the rest are cut. Then the caller's later steps (flushing the write-behind queue) run inside the
 * grace period.
 */
export function createHttpServer(options: {
  app: RequestListener;
  port: number;
  host: string;
  drainMs: number;
  logger: Logger;
}): HttpServer {
  const { logger } = options;
  let server: Server | undefined;
  let isDraining = false;
  const sockets = new Map<Socket, SocketState>();

  const track = (listening: Server) => {
    listening.on("connection", (socket: Socket) => {
      sockets.set(socket, { inFlight: 0, idleSinceMs: performance.now() });
      socket.once("close", () => sockets.delete(socket));
    });
    listening.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const state = sockets.get(req.socket);
      if (!state) return;
      state.inFlight += 1;
      res.once("close", () => {
        state.inFlight -= 1;
        state.idleSinceMs = performance.now();
      });
    });
  };
  // Requests Node refuses before Express sees them (a NUL byte in a header, a malformed request line, an
  // oversized header block) get the same JSON error body as every other bad request, not a bare text 400.
  const answerClientError = (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const isTooLarge = error.code === "HPE_HEADER_OVERFLOW";
    const status = isTooLarge ? 431 : 400;
    const body = JSON.stringify({
      code: isTooLarge ? "HEADERS_TOO_LARGE" : "BAD_REQUEST",
      message: isTooLarge ? "request headers are too large" : "the request is not valid HTTP",
      requestId: randomUUID(),
    });
    socket.end(
      `HTTP/1.1 ${status} ${isTooLarge ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
        "Content-Type: application/json; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };

  // The sweep is a timer, and timers run before I/O in each turn of the event loop: after the loop was
  // busy (a slow batch, a start-up burst), a socket whose next request is already waiting to be read looks
  // idle to the timer. The check therefore runs in setImmediate, after this turn's I/O has been read and
  // its requests counted as in flight (measured: ECONNRESET when SIGTERM came in the first second of load).
  const closeIdleSockets = () =>
    setImmediate(() => {
      const now = performance.now();
      for (const [socket, state] of sockets)
        if (state.inFlight === 0 && now - state.idleSinceMs >= IDLE_GRACE_MS) socket.destroy();
    });

  return {
    async start() {
      const listening = createServer(options.app);
      server = listening;
      track(listening);
      listening.on("clientError", answerClientError);
      // Keep-alive longer than typical load balancer idle timeouts (60 s) avoids races on reused sockets.
      listening.keepAliveTimeout = 65_000;
      listening.headersTimeout = 66_000;
      await new Promise<void>((resolve, reject) => {
        listening.once("listening", resolve);
        listening.once("error", reject);
        listening.listen(options.port, options.host);
      });
    },
    async stop() {
      isDraining = true;
      const closing = server;
      if (!closing?.listening) return;
      // Stop accepting, but leave idle sockets to our own sweep (see IDLE_GRACE_MS).
      closing.closeIdleConnections = () => {};
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      const sweep = setInterval(closeIdleSockets, SWEEP_MS);
      let timer: NodeJS.Timeout | undefined;
      const isTimedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), options.drainMs);
        }),
      ]);
      clearInterval(sweep);
      clearTimeout(timer);
      if (isTimedOut) {
        logger.warn(
          { drainMs: options.drainMs, openSockets: sockets.size },
          "requests still open after the drain window; closing them",
        );
        closing.closeAllConnections();
        await closed;
      }
    },
    get isDraining() {
      return isDraining;
    },
    url() {
      const address = server?.address() as AddressInfo | null;
      const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
      return `http://${host}:${address?.port ?? options.port}`;
    },
  };
}
