import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Request latency buckets in seconds: sub-millisecond cache hits up to multi-second batch jobs. */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Body size buckets in bytes: a single transaction (~300 B) up to the 10 MiB request limit. */
const SIZE_BUCKETS_BYTES = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 10_485_760];

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

/** Labels are normalised routes (e.g. /api/v1/transactions/:hash), never raw paths or ids. */
export function createHttpMetrics(registry: Registry) {
  const labelNames = ["method", "route", "status"] as const;
  return {
    requestsTotal: new Counter({
      name: "http_requests_total",
      help: "HTTP requests by method, normalised route and status code",
      labelNames,
      registers: [registry],
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
  };
}
