import { createChainwatchClient } from "@chainwatch/client";

/** Reads one sample value from Prometheus text exposition, summing every series that matches `labels`. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? "";
    const isMatch = Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`));
    if (isMatch) total += Number(match[3]);
  }
  return total;
}

export interface CacheCounters {
  hits: number;
  misses: number;
}

export async function fetchMetrics(baseUrl: string): Promise<string> {
  const client = createChainwatchClient({ baseUrl });
  const { data, response } = await client.GET("/metrics", { parseAs: "text" });
  if (!response.ok || data === undefined) throw new Error(`GET /metrics answered ${response.status}`);
  return data;
}

export function predictionCacheCounters(metricsText: string): CacheCounters {
  const labels = { cache_type: "prediction" };
  return {
    hits: sampleValue(metricsText, "cache_hits_total", labels),
    misses: sampleValue(metricsText, "cache_misses_total", labels),
  };
}

/** Hit rate between two scrapes: Δhits / (Δhits + Δmisses); undefined when nothing was looked up. */
export function hitRateBetween(before: CacheCounters, after: CacheCounters): number | undefined {
  const hits = after.hits - before.hits;
  const lookups = hits + (after.misses - before.misses);
  return lookups > 0 ? hits / lookups : undefined;
}
