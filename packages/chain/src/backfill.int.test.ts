import { createLogger } from "@chainwatch/service-kit";
import {
  createChainStateRepository,
  createPgliteDatabase,
  type Database,
  runMigrations,
} from "@chainwatch/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BackfillProgress, runBackfill } from "./backfill.ts";
import { createChainRpc } from "./rpc.ts";
import type { FollowedBlock } from "./rpc-block.ts";
import { createCallbackSink } from "./sinks.ts";
import { type Anvil, createTestWallet, describeWithAnvil, startAnvil } from "./testing/index.ts";

const logger = createLogger({ name: "backfill-test", level: "silent" });
const CHAIN_ID = 31_337;

describeWithAnvil("backfill against anvil", () => {
  let anvil: Anvil;
  let db: Database;
  const sent: string[] = [];

  beforeAll(async () => {
    db = await createPgliteDatabase();
    await runMigrations(db);
    anvil = await startAnvil({ chainId: CHAIN_ID, noMining: true });
    const wallet = createTestWallet(anvil.url, CHAIN_ID);
    // 20 blocks: odd ones carry two transactions (legacy and EIP-1559), even ones none.
    for (let block = 1; block <= 20; block++) {
      if (block % 2 === 1) sent.push(await wallet.legacy(0, "0.01"), await wallet.eip1559(1, "0.02"));
      await anvil.mine(1);
    }
  });
  afterAll(async () => {
    await anvil?.stop();
    await db?.close();
  });

  const run = (
    from: number,
    to: number,
    onBlock: (block: FollowedBlock) => Promise<void>,
    signal?: AbortSignal,
  ) => {
    const progress: BackfillProgress[] = [];
    const result = runBackfill({
      chainId: CHAIN_ID,
      rpc: createChainRpc({ urls: [anvil.url], timeoutMs: 2_000, logger }),
      sink: createCallbackSink({ onBlock }),
      state: createChainStateRepository(db),
      from,
      to,
      concurrency: 4,
      logger,
      checkpointIntervalMs: 0,
      onProgress: (p) => progress.push(p),
      ...(signal ? { signal } : {}),
    });
    return { result, progress };
  };

  it("hands over every block of the range in order, each transaction once", async () => {
    const numbers: number[] = [];
    const hashes: string[] = [];
    const { result, progress } = run(1, 20, async (block) => {
      numbers.push(block.number);
      hashes.push(...block.transactions.map((tx) => tx.hash));
    });
    expect(await result).toMatchObject({
      isComplete: true,
      blocksDone: 20,
      blocksTotal: 20,
      transactions: 20,
    });
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(hashes.sort()).toEqual([...sent].sort());
    expect(progress.at(-1)).toMatchObject({ blocksDone: 20, etaSeconds: 0 });
  });

  it("resumes an interrupted range after its checkpoint: no gap, no repeat", async () => {
    const numbers: number[] = [];
    const abort = new AbortController();
    const first = run(
      3,
      12,
      async (block) => {
        numbers.push(block.number);
        if (block.number === 6) abort.abort();
      },
      abort.signal,
    );
    expect(await first.result).toMatchObject({ isComplete: false, blocksDone: 4 });
    const second = run(3, 12, async (block) => {
      numbers.push(block.number);
    });
    expect(await second.result).toMatchObject({ isComplete: true, blocksDone: 6, startedAt: 7 });
    expect(numbers).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
