import { Counter, Gauge, type Registry } from "prom-client";

export type StoreMetrics = ReturnType<typeof createStoreMetrics>;

/** The write-behind queue between scoring and the database. */
export function createStoreMetrics(registry: Registry) {
  return {
    writeQueueDepth: new Gauge({
      name: "store_write_queue_depth",
      help: "Scored records waiting to be written to the database",
      registers: [registry],
    }),
    writeQueueDroppedTotal: new Counter({
      name: "store_write_queue_dropped_total",
      help: "Scored records never written: refused while the queue was full, or still queued at shutdown",
      registers: [registry],
    }),
    writeQueueWrittenTotal: new Counter({
      name: "store_write_queue_written_total",
      help: "Scored records written to the database by the write-behind queue",
      registers: [registry],
    }),
    writeFailuresTotal: new Counter({
      name: "store_write_failures_total",
      help: "Failed batch writes (each is retried with backoff)",
      registers: [registry],
    }),
  };
}
