import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Component } from "./component.ts";
import { once } from "./once.ts";

export interface HealthServerOptions {
  port: number;
  host?: string;
  /** Readiness: false → 503 on /health/ready and /health. */
  isReady: () => boolean;
  /** Extra detail for GET /health (dependency states, counters). */
  details?: () => Record<string, unknown>;
  /**
   * Dependency checks, in the gateway's shape, for /health and /health/ready: `unavailable` answers 503,
   * `degraded` 200 with its reasons (the process works around the fault, restarting it would not help).
   */
  report?: () => Promise<HealthReport>;
  /** Prometheus exposition for GET /metrics. */
  metrics: { contentType: string; text: () => Promise<string> };
}

export interface HealthReport {
  status: "ok" | "degraded" | "unavailable";
  dependencies: Record<string, { status: "up" | "down"; required: boolean } & Record<string, unknown>>;
  /** Why it is not ok, one sentence per fault. */
  reasons: string[];
}

export interface HealthServer extends Component {
  /** The bound port (useful with port 0 in tests). */
  port(): number;
}

/** Minimal HTTP endpoint for workers that have no API of their own: liveness, readiness, metrics. */
export function createHealthServer(options: HealthServerOptions): HealthServer {
  let server: Server | undefined;

  const handle = async (url: string): Promise<{ status: number; type: string; body: string }> => {
    const path = url.split("?")[0];
    if (path === "/metrics") {
      return { status: 200, type: options.metrics.contentType, body: await options.metrics.text() };
    }
    if (path === "/health/live") {
      return { status: 200, type: "application/json", body: JSON.stringify({ status: "ok" }) };
    }
    if (path === "/health/ready" || path === "/health") {
      const isReady = options.isReady();
      const report = options.report ? await options.report() : undefined;
      const status = !isReady || report?.status === "unavailable" ? "unavailable" : (report?.status ?? "ok");
      const body = {
        status,
        ...(report ? { dependencies: report.dependencies, reasons: report.reasons } : {}),
        ...(path === "/health" ? options.details?.() : {}),
      };
      return {
        status: status === "unavailable" ? 503 : 200,
        type: "application/json",
        body: JSON.stringify(body),
      };
    }
    return {
      status: 404,
      type: "application/json",
      body: JSON.stringify({ code: "NOT_FOUND", message: "not found" }),
    };
  };

  return {
    async start() {
      server = createServer((req, res) => {
        handle(req.url ?? "/").then(
          ({ status, type, body }) => {
            res.writeHead(status, { "content-type": type }).end(body);
          },
          () => {
            res
              .writeHead(500, { "content-type": "application/json" })
              .end('{"code":"INTERNAL","message":"health check failed"}');
          },
        );
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
      });
    },
    stop: once(async () => {
      const closing = server;
      if (!closing) return;
      await new Promise<void>((resolve) => closing.close(() => resolve()));
      closing.closeAllConnections();
    }),
    port() {
      return (server?.address() as AddressInfo | null)?.port ?? options.port;
    },
  };
}
