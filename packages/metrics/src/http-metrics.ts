import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Request latency buckets in seconds: sub-millisecond cache hits up to multi-second batch jobs. */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Body size buckets in bytes: a single transaction (~300 B) up to the 10 MiB request limit. */
const SIZE_BUCKETS_BYTES = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 10_485_760];

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

/**
 * Labels are normalised routes (e.g. /api/v1/transactions/:hash), never raw paths or ids.
 *
 * The two series that change on every request without a value to bucket (requests in progress, requests
 * total) are plain numbers here, copied into prom-client when scraped (`collect`): prom-client validates
 * and hashes the label object on every inc/dec (Object.keys, sort, string building), three times per
 * request for these alone. Use `requestStarted`/`requestFinished` for them.
 */
export function createHttpMetrics(registry: Registry) {
  const labelNames = ["method", "route", "status"] as const;
  const inProgressByMethod = new Map<string, number>();
  const finished = new Map<
    string,
    { labels: { method: string; route: string; status: string }; count: number }
  >();
  return {
    requestsTotal: new Counter({
      name: "http_requests_total",
      help: "HTTP requests by method, normalised route and status code",
      labelNames,
      registers: [registry],
      collect() {
        for (const entry of finished.values()) {
          if (entry.count === 0) continue;
          this.inc(entry.labels, entry.count);
          entry.count = 0;
        }
      },
    }),
    requestDurationSeconds: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds",
      labelNames,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    requestsInProgress: new Gauge({
      name: "http_requests_in_progress",
      help: "HTTP requests currently being handled",
      labelNames: ["method"],
      registers: [registry],
      collect() {
        for (const [method, count] of inProgressByMethod) this.set({ method }, count);
      },
    }),
    requestSizeBytes: new Histogram({
      name: "http_request_size_bytes",
      help: "HTTP request body size in bytes (from Content-Length)",
      labelNames: ["method", "route"],
      buckets: SIZE_BUCKETS_BYTES,
      registers: [registry],
    }),
    responseSizeBytes: new Histogram({
      name: "http_response_size_bytes",
      help: "HTTP response body size in bytes as sent (after compression)",
      labelNames: ["method", "route"],
      buckets: SIZE_BUCKETS_BYTES,
      registers: [registry],
    }),
    errorsTotal: new Counter({
      name: "http_errors_total",
      help: "HTTP responses with status >= 400, by error code",
      labelNames: ["method", "route", "status", "code"],
      registers: [registry],
    }),
    rateLimitStoreErrorsTotal: new Counter({
      name: "rate_limit_store_errors_total",
      help: "Rate-limit store failures; requests pass while the shared store is down (fail-open)",
      registers: [registry],
    }),
    slowRequestsTotal: new Counter({
      name: "slow_requests_total",
      help: "HTTP requests slower than SLOW_REQUEST_THRESHOLD seconds",
      labelNames: ["method", "route"],
      registers: [registry],
    }),
    /** A request began: http_requests_in_progress +1. */
    requestStarted(method: string): void {
      inProgressByMethod.set(method, (inProgressByMethod.get(method) ?? 0) + 1);
    },
    /** A request ended: http_requests_in_progress −1 and http_requests_total +1 for its labels. */
    requestFinished(method: string, route: string, status: string): void {
      inProgressByMethod.set(method, (inProgressByMethod.get(method) ?? 0) - 1);
      const key = `${method} ${route} ${status}`;
      const entry = finished.get(key);
      if (entry) entry.count += 1;
      else finished.set(key, { labels: { method, route, status }, count: 1 });
    },
  };
}
