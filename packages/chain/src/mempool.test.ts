import { createLogger } from "@chainwatch/service-kit";
import { afterEach, expect, it } from "vitest";
import { createMempoolWatcher, type MempoolWatcher, type PendingState } from "./mempool.ts";
import type { ChainRpc } from "./rpc.ts";
import type { PipelineTransaction, RawRpcTransaction } from "./rpc-block.ts";
import { createCallbackSink } from "./sinks.ts";

const logger = createLogger({ name: "mempool-unit", level: "silent" });
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const SENDER = `0x${"ab".repeat(20)}`;

/** A node whose pool holds the given hashes (nonce = the number), with a never-changing filter. */
function fakeRpc(pool: Set<number>): ChainRpc {
  return {
    chainId: async () => 1,
    blockNumber: async () => 0,
    block: async () => null,
    blockHeader: async () => null,
    transaction: async (h) => {
      const n = Number(BigInt(h));
      if (!pool.has(n)) return null;
      return {
        hash: h,
        from: SENDER,
        to: null,
        value: "0x1",
        gas: "0x5208",
        gasPrice: "0x1",
        nonce: `0x${n.toString(16)}`,
        input: "0x",
        blockNumber: null,
        blockHash: null,
        transactionIndex: null,
      } satisfies RawRpcTransaction;
    },
    newPendingTransactionFilter: async () => "0x1",
    filterChanges: async () => [],
    close: () => {},
  };
}

const noStore: PendingState = {
  recordSeen: async () => {},
  reconcileBlock: async () => [],
  dropOlderThan: async () => [],
};

const watchers: MempoolWatcher[] = [];
afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.stop();
});

it("tracks at most maxPending transactions and counts the announcements beyond it as skipped", async () => {
  const handed: PipelineTransaction[] = [];
  const watcher = createMempoolWatcher({
    chainId: 1,
    rpc: fakeRpc(new Set([1, 2, 3, 4])),
    sink: createCallbackSink({ onBlock: async () => {}, onPending: async (txs) => void handed.push(...txs) }),
    state: noStore,
    logger,
    maxPending: 3,
    hasPushSource: true,
  });
  watchers.push(watcher);
  watcher.setPushConnected(true);
  await watcher.start();
  watcher.announce([hash(1), hash(2), hash(3), hash(4)]);
  // The same hash announced again is neither queued twice nor counted as skipped.
  watcher.announce([hash(1)]);
  await watcher.drained();
  expect(handed.map((tx) => tx.hash)).toEqual([hash(1), hash(2), hash(3)]);
  expect(watcher.status()).toEqual({ tracked: 3, seen: 3, mined: 0, replaced: 0, dropped: 0, skipped: 1 });
});

it("skips what the node no longer has, and never hands over a transaction a processed block carried", async () => {
  const handed: PipelineTransaction[] = [];
  const watcher = createMempoolWatcher({
    chainId: 1,
    rpc: fakeRpc(new Set([5, 6])),
    sink: createCallbackSink({ onBlock: async () => {}, onPending: async (txs) => void handed.push(...txs) }),
    state: noStore,
    logger,
    hasPushSource: true,
  });
  watchers.push(watcher);
  watcher.setPushConnected(true);
  await watcher.start();
  await watcher.reconcile({
    chainId: 1,
    number: 9,
    hash: hash(900),
    parentHash: hash(899),
    timestamp: 0,
    seenAtMs: 0,
    transactions: [{ hash: hash(6), from: SENDER, nonce: "0x6" }],
  });
  watcher.announce([hash(5), hash(6), hash(7)]);
  await watcher.drained();
  expect(handed.map((tx) => tx.hash)).toEqual([hash(5)]);
  // hash 6 was refused before any fetch (already mined); hash 7 is unknown to the node.
  expect(watcher.status()).toMatchObject({ seen: 1, skipped: 1, tracked: 1 });
});
