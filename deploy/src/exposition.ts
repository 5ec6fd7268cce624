/** Metric families in a Prometheus text exposition (`GET /metrics`), by name, with their type. */
export function parseExposition(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line);
    if (match?.[1] && match[2]) families.set(match[1], match[2]);
  }
  return families;
}

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"] as const;

/**
 * The family a series name belongs to: itself, or for `x_bucket`/`x_sum`/`x_count` the histogram (or,
 * without `_bucket`, the summary) `x`. Undefined when the exposition has no such family.
 */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return name;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = families.get(base);
    if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base;
  }
  return undefined;
}
