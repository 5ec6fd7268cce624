/** The parts of artillery's `--output` JSON report this harness reads. */
export interface ArtilleryMetrics {
  period?: number | string;
  counters: Record<string, number>;
  rates?: Record<string, number>;
  summaries: Record<
    string,
    { min: number; max: number; count: number; p50: number; p95: number; p99: number }
  >;
  firstMetricAt?: number;
  lastMetricAt?: number;
}

export interface ArtilleryReport {
  aggregate: ArtilleryMetrics;
  intermediate: ArtilleryMetrics[];
}

export interface RunSummary {
  requests: number;
  durationSeconds: number;
  /** Completed requests per second over the run (first to last metric). */
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  codes: Record<string, number>;
  /** 4xx/5xx other than 429/503, over responses. */
  errorRate: number;
  /** 429 + 503 over responses. */
  shedRate: number;
  /** Virtual users that failed without a response (timeouts, refused connections). */
  failedVusers: number;
  /** Per-endpoint latency (metrics-by-endpoint plugin). */
  endpoints: Record<string, { count: number; p50Ms: number; p95Ms: number; p99Ms: number }>;
}

export interface PeriodSummary {
  /** Seconds since the first period. */
  atSeconds: number;
  requests: number;
  p95Ms: number;
  p99Ms: number;
  ok: number;
  shed: number;
  errors: number;
  failedVusers: number;
}

const ENDPOINT_PREFIX = "plugins.metrics-by-endpoint.response_time.";

function summarise(metrics: ArtilleryMetrics) {
  const counters = metrics.counters ?? {};
  const latency = metrics.summaries?.["http.response_time"];
  const codes = Object.fromEntries(
    Object.entries(counters)
      .filter(([name]) => name.startsWith("http.codes."))
      .map(([name, value]) => [name.slice("http.codes.".length), value]),
  );
  const responses = counters["chainwatch.responses"] ?? counters["http.responses"] ?? 0;
  return { counters, latency, codes, responses };
}

export function summariseRun(report: ArtilleryReport): RunSummary {
  const { counters, latency, codes, responses } = summarise(report.aggregate);
  const first = report.aggregate.firstMetricAt ?? 0;
  const last = report.aggregate.lastMetricAt ?? first;
  const durationSeconds = Math.max(1, (last - first) / 1000);
  const requests = counters["http.requests"] ?? 0;
  const endpoints: RunSummary["endpoints"] = {};
  for (const [name, value] of Object.entries(report.aggregate.summaries ?? {})) {
    if (!name.startsWith(ENDPOINT_PREFIX)) continue;
    endpoints[name.slice(ENDPOINT_PREFIX.length)] = {
      count: value.count,
      p50Ms: value.p50,
      p95Ms: value.p95,
      p99Ms: value.p99,
    };
  }
  return {
    requests,
    durationSeconds,
    requestsPerSecond: (counters["http.responses"] ?? 0) / durationSeconds,
    p50Ms: latency?.p50 ?? Number.NaN,
    p95Ms: latency?.p95 ?? Number.NaN,
    p99Ms: latency?.p99 ?? Number.NaN,
    maxMs: latency?.max ?? Number.NaN,
    codes,
    errorRate: responses > 0 ? (counters["chainwatch.errors"] ?? 0) / responses : 0,
    shedRate: responses > 0 ? (counters["chainwatch.shed"] ?? 0) / responses : 0,
    failedVusers: counters["vusers.failed"] ?? 0,
    endpoints,
  };
}

/** One row per artillery reporting period (10 s by default), for reading ramps, spikes and recovery. */
export function summarisePeriods(report: ArtilleryReport): PeriodSummary[] {
  const start = Number(report.intermediate[0]?.period ?? 0);
  return report.intermediate.map((metrics) => {
    const { counters, latency } = summarise(metrics);
    return {
      atSeconds: Math.round((Number(metrics.period ?? start) - start) / 1000),
      requests: counters["http.requests"] ?? 0,
      p95Ms: latency?.p95 ?? Number.NaN,
      p99Ms: latency?.p99 ?? Number.NaN,
      ok: Object.entries(counters)
        .filter(([name]) => /^http\.codes\.2\d\d$/.test(name))
        .reduce((sum, [, value]) => sum + value, 0),
      shed: counters["chainwatch.shed"] ?? 0,
      errors: counters["chainwatch.errors"] ?? 0,
      failedVusers: counters["vusers.failed"] ?? 0,
    };
  });
}
