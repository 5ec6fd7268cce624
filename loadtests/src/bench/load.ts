import autocannon from "autocannon";

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** A fixed body for every request… */
  body?: string;
  /** …or a fresh one per request (called on the load generator's thread: keep it cheap). */
  nextBody?: () => string;
  durationSeconds: number;
  connections: number;
  pipelining?: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Response bytes per second as received (compressed when the server compressed). */
  bytesPerSecond: number;
  durationSeconds: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/**
 * One autocannon run on this thread. Latencies are collected from every response (autocannon's own
 * summary has p97.5 but no p95), so p50/p95/p99 are exact nearest-rank values.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const nextBody = options.nextBody;
  // Without a callback autocannon returns an instance that is both an EventEmitter and a promise.
  const instance = autocannon({
    url: options.url,
    method: options.method ?? "POST",
    headers: options.headers ?? {},
    duration: options.durationSeconds,
    connections: options.connections,
    pipelining: options.pipelining ?? 1,
    // A 1000-item batch on a busy 2-core machine can take seconds; count it as slow, not as an error.
    timeout: 30,
    ...(nextBody
      ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: nextBody() }) }] }
      : options.body !== undefined
        ? { body: options.body }
        : {}),
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  const sorted = Float64Array.from(latencies).sort();
  const seconds = result.duration;
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / seconds,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    bytesPerSecond: result.throughput.total / seconds,
    durationSeconds: seconds,
  };
}
