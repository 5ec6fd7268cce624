import { percentile } from "../bench/load.ts";

export interface ProbeSummary {
  probes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Probes not answered within the timeout (counted at the timeout in the percentiles). */
  timeouts: number;
  /** Answered with a status other than 2xx. */
  non2xx: number;
}

export interface LatencyProbe {
  /** Worst latency since the previous call, per path (for a per-sample column). */
  takeWorstMs(): Record<string, number>;
  summary(): Record<string, ProbeSummary>;
  /** Resolves after the last probe once `until` has passed. */
  done: Promise<void>;
}

/**
 * GETs each path once per `intervalMs` until `until` (a performance.now() time), one at a time per path,
 * so a stalled server shows up as latency and timeouts rather than as a pile of requests. The soak used it
 * to show whether PGlite on the gateway's event loop holds up /health (issue #21: it stopped answering for
 * minutes under overload).
 */
export function startLatencyProbe(options: {
  baseUrl: string;
  paths: readonly string[];
  until: number;
  intervalMs?: number;
  timeoutMs?: number;
}): LatencyProbe {
  const intervalMs = options.intervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const state = new Map(
    options.paths.map((path) => [path, { latencies: [] as number[], worst: 0, timeouts: 0, non2xx: 0 }]),
  );

  const probeLoop = async (path: string) => {
    const entry = state.get(path);
    if (!entry) return;
    let next = performance.now();
    while (performance.now() < options.until) {
      const started = performance.now();
      let latency = timeoutMs;
      try {
        const response = await fetch(`${options.baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        latency = performance.now() - started;
        if (response.status < 200 || response.status > 299) entry.non2xx++;
      } catch {
        entry.timeouts++;
      }
      entry.latencies.push(latency);
      entry.worst = Math.max(entry.worst, latency);
      next += intervalMs;
      const wait = Math.max(0, next - performance.now());
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else next = performance.now();
    }
  };

  const done = Promise.all(options.paths.map(probeLoop)).then(() => undefined);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    done,
    takeWorstMs() {
      const worst: Record<string, number> = {};
      for (const [path, entry] of state) {
        worst[path] = round(entry.worst);
        entry.worst = 0;
      }
      return worst;
    },
    summary() {
      const summary: Record<string, ProbeSummary> = {};
      for (const [path, entry] of state) {
        const sorted = [...entry.latencies].sort((a, b) => a - b);
        summary[path] = {
          probes: sorted.length,
          p50Ms: round(percentile(sorted, 50)),
          p99Ms: round(percentile(sorted, 99)),
          maxMs: round(sorted.at(-1) ?? Number.NaN),
          timeouts: entry.timeouts,
          non2xx: entry.non2xx,
        };
      }
      return summary;
    },
  };
}
