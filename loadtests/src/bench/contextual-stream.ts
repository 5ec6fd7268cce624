import {
  type BenchTransaction,
  contextualTrafficOptions,
  generateContextualTraffic,
} from "../detection/contextual-traffic.ts";

/**
 * At least `count` transactions of the contextual benchmark's seeded day, in time order: realistic senders,
 * rates and amounts, ~1.5–3 % anomalous. The default day has 17–20 transactions per established address, so
 * the address count grows with `count` (more if the first draw falls short), then the day is cut.
 */
export function contextualStream(count: number): { transactions: BenchTransaction[]; seconds: number } {
  const startedAt = performance.now();
  const options = contextualTrafficOptions("default");
  let addresses = Math.max(options.addresses, Math.ceil(count / 16));
  let day = generateContextualTraffic({ ...options, addresses });
  while (day.transactions.length < count) {
    addresses = Math.ceil((addresses * count * 1.1) / Math.max(1, day.transactions.length));
    day = generateContextualTraffic({ ...options, addresses });
  }
  return {
    transactions: day.transactions.slice(0, count).map((labelled) => labelled.tx),
    seconds: (performance.now() - startedAt) / 1000,
  };
}
