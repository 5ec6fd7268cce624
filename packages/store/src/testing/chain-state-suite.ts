import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { type ChainStateRepository, createChainStateRepository } from "../repositories/chain-state.ts";
import { recordScored } from "../repositories/record-scored.ts";
import { scoredRecord } from "./fixtures.ts";

const h = (digit: string) => `0x${digit.repeat(64)}`;
const block = (number: number, hash: string, parentHash: string) => ({
  number,
  hash,
  parentHash,
  timestamp: 1_700_000_000 + number * 12,
});

/** The chain follower's state (migration 0010) against every driver, with hand-written expected rows. */
export function defineChainStateSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let chain: ChainStateRepository;

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      chain = createChainStateRepository(db);
    });
    afterAll(async () => {
      await db.close();
    });

    it("keeps a bounded window and moves the head checkpoint with each block", async () => {
      await chain.commitBlock(7, block(10, h("a"), h("0")), [], 3);
      await chain.commitBlock(7, block(11, h("b"), h("a")), [], 3);
      await chain.commitBlock(7, block(12, h("c"), h("b")), [], 3);
      await chain.commitBlock(7, block(13, h("d"), h("c")), [], 3);
      expect((await chain.recentBlocks(7, 10)).map((b) => b.number)).toEqual([13, 12, 11]);
      expect(await chain.recentBlocks(7, 1)).toEqual([block(13, h("d"), h("c"))]);
      expect(await chain.checkpoint(7, "head")).toEqual({ number: 13, hash: h("d") });
      expect(await chain.checkpoint(8, "head")).toBeNull();
    });

    it("retracts orphaned blocks: inclusions and stored results marked removed, live again when re-included", async () => {
      const [onlyOrphaned, reincluded] = [scoredRecord({ hash: h("1") }), scoredRecord({ hash: h("2") })];
      if (!onlyOrphaned || !reincluded) throw new Error("fixtures");
      await recordScored(db, [onlyOrphaned, reincluded]);
      await chain.commitBlock(9, block(100, h("e"), h("9")), [], 10);
      await chain.commitBlock(9, block(101, h("f"), h("e")), [h("1"), h("2")], 10);
      await chain.commitBlock(9, block(102, h("3"), h("f")), [], 10);

      const preview = await chain.previewRetraction(9, 100);
      expect(preview.blocks.map((b) => b.hash)).toEqual([h("3"), h("f")]);
      expect(preview.txHashes).toEqual([h("1"), h("2")]);
      // Preview changes nothing.
      expect(await chain.removedAt(h("1"))).toBeNull();

      const retracted = await chain.retractAbove(9, { number: 100, hash: h("e") });
      expect(retracted).toEqual(preview);
      expect(await chain.checkpoint(9, "head")).toEqual({ number: 100, hash: h("e") });
      expect((await chain.recentBlocks(9, 10)).map((b) => b.number)).toEqual([100]);
      expect(await chain.removedAt(h("1"))).toBeInstanceOf(Date);
      expect(await chain.removedAt(h("2"))).toBeInstanceOf(Date);

      await chain.commitBlock(9, block(101, h("4"), h("e")), [h("2")], 10);
      expect(await chain.removedAt(h("2"))).toBeNull();
      expect(await chain.removedAt(h("1"))).toBeInstanceOf(Date);
      // Retracting again finds nothing live in the orphaned blocks: the repeat after a crash is harmless.
      expect(await chain.previewRetraction(9, 101)).toEqual({ blocks: [], txHashes: [] });
    });

    it("keeps per-reader checkpoints for backfills and refuses malformed input", async () => {
      await chain.saveCheckpoint(9, "backfill:5-50", { number: 20, hash: h("5") });
      await chain.saveCheckpoint(9, "backfill:5-50", { number: 21, hash: h("6") });
      expect(await chain.checkpoint(9, "backfill:5-50")).toEqual({ number: 21, hash: h("6") });
      await expect(chain.saveCheckpoint(9, "Bad Reader", { number: 1, hash: h("5") })).rejects.toThrow(
        "reader name must match",
      );
      await expect(chain.commitBlock(0, block(1, h("a"), h("0")), [], 3)).rejects.toThrow(
        "chain id must be a positive integer",
      );
      await expect(chain.recordInclusions(9, { number: 1, hash: h("a") }, ["0xABC"])).rejects.toThrow(
        "not a lower-case 0x hash",
      );
    });
  });
}
