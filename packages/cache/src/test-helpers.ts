import { Writable } from "node:stream";
import { createLogger, type Logger } from "@chainwatch/service-kit";
import type { CacheStore } from "./store.ts";

/** A logger that keeps lines in memory so tests can assert on what was logged. */
export function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ name: "test", level: "debug", destination });
  return {
    logger,
    lines: () => chunks.flatMap((chunk) => chunk.trim().split("\n")).map((line) => JSON.parse(line)),
  };
}

/** Wraps a store to count calls per method (round trips) and to switch it into failure on demand. */
export function instrumentedStore(inner: CacheStore) {
  const calls = { get: 0, mget: 0, mset: 0, del: 0 };
  let isBroken = false;
  const guard = () => {
    if (isBroken) throw new Error("store unavailable");
  };
  const store: CacheStore = {
    kind: inner.kind,
    get: async (key) => {
      calls.get += 1;
      guard();
      return inner.get(key);
    },
    mget: async (keys) => {
      calls.mget += 1;
      guard();
      return inner.mget(keys);
    },
    mset: async (entries) => {
      calls.mset += 1;
      guard();
      return inner.mset(entries);
    },
    del: async (keys) => {
      calls.del += 1;
      guard();
      return inner.del(keys);
    },
    ping: async () => !isBroken && (await inner.ping()),
    sizeBytes: () => inner.sizeBytes(),
    close: () => inner.close(),
  };
  return {
    store,
    calls,
    breakStore: (broken: boolean) => {
      isBroken = broken;
    },
  };
}
