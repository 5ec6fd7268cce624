import type { Database, Queryable } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";

/** A block as the follower remembers it: enough to detect that the node's chain no longer contains it. */
export interface ChainBlockRef {
  number: number;
  hash: string;
  parentHash: string;
  /** Unix seconds. */
  timestamp: number;
}

export interface ChainCheckpoint {
  number: number;
  hash: string;
}

export interface Retraction {
  /** The orphaned blocks, newest first. */
  blocks: ChainBlockRef[];
  /** Distinct hashes of the transactions those blocks carried, now marked removed. */
  txHashes: string[];
}

/**
 * What the chain follower keeps per chain (migration 0010): checkpoints, the recent canonical window, and
 * which block included which transaction. Each write is one database transaction, so a crash leaves the
 * checkpoint and the window consistent with each other.
 */
export interface ChainStateRepository {
  checkpoint(chainId: number, reader: string): Promise<ChainCheckpoint | null>;
  saveCheckpoint(chainId: number, reader: string, checkpoint: ChainCheckpoint): Promise<void>;
  /** The head follower's canonical window, newest first, at most `limit` blocks. */
  recentBlocks(chainId: number, limit: number): Promise<ChainBlockRef[]>;
  /**
   * Block handed over: appended to the window (blocks older than `keepBlocks` below it dropped), its
   * transactions recorded as included (and no longer removed), the `head` checkpoint moved to it.
   */
  commitBlock(
    chainId: number,
    block: ChainBlockRef,
    txHashes: readonly string[],
    keepBlocks: number,
  ): Promise<void>;
  /** Inclusions only (a backfill, which keeps no window), then its own checkpoint. */
  recordInclusions(
    chainId: number,
    block: Pick<ChainBlockRef, "number" | "hash">,
    txHashes: readonly string[],
  ): Promise<void>;
  /**
   * Every window block above `ancestorNumber` is orphaned: dropped from the window, its inclusions marked
   * removed, and its transactions too unless another live inclusion keeps them; the `head` checkpoint
   * goes back to the ancestor (which must be in the window, or be the block below the window's oldest).
   */
  retractAbove(chainId: number, ancestor: ChainCheckpoint): Promise<Retraction>;
  /** What `retractAbove` would retract now, without changing anything (told to the sink first). */
  previewRetraction(chainId: number, ancestorNumber: number): Promise<Retraction>;
  /** When the transaction's every known inclusion was orphaned; null if it is canonical or never followed. */
  removedAt(txHash: string): Promise<Date | null>;
}

export const HEAD_READER = "head";
const HASH = /^0x[0-9a-f]{64}$/;
const READER = /^[a-z0-9:._-]{1,64}$/;

function check(chainId: number, hashes: readonly string[], reader?: string): void {
  if (!Number.isSafeInteger(chainId) || chainId <= 0)
    throw new StoreValidationError(`chain id must be a positive integer, got ${chainId}`);
  const bad = hashes.find((hash) => !HASH.test(hash));
  if (bad !== undefined) throw new StoreValidationError(`not a lower-case 0x hash: ${bad.slice(0, 80)}`);
  if (reader !== undefined && !READER.test(reader))
    throw new StoreValidationError(`reader name must match ${READER}, got ${reader.slice(0, 80)}`);
}

type BlockRow = {
  block_number: string | number;
  block_hash: string;
  parent_hash: string;
  ts: string | number;
};

const toBlock = (row: BlockRow): ChainBlockRef => ({
  number: Number(row.block_number),
  hash: row.block_hash,
  parentHash: row.parent_hash,
  timestamp: Number(row.ts),
});

async function upsertCheckpoint(q: Queryable, chainId: number, reader: string, cp: ChainCheckpoint) {
  await q.query(
    `INSERT INTO chain_checkpoints (chain_id, reader, block_number, block_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (chain_id, reader) DO UPDATE
       SET block_number = excluded.block_number, block_hash = excluded.block_hash, updated_at = now()`,
    [chainId, reader, cp.number, cp.hash],
  );
}

/** Inclusions as one JSON parameter (one statement per block whatever its size, same on both drivers). */
async function insertInclusions(
  q: Queryable,
  chainId: number,
  block: Pick<ChainBlockRef, "number" | "hash">,
  txHashes: readonly string[],
) {
  if (txHashes.length === 0) return;
  const hashes = JSON.stringify(txHashes);
  await q.query(
    `INSERT INTO chain_inclusions (chain_id, block_hash, tx_hash, block_number)
     SELECT $1, $2, h, $3 FROM jsonb_array_elements_text($4::jsonb) AS h
     ON CONFLICT (chain_id, block_hash, tx_hash) DO UPDATE SET removed_at = NULL`,
    [chainId, block.hash, block.number, hashes],
  );
  // Stored results come back to life when the transaction is canonical again (re-included after a reorg).
  await q.query(
    `UPDATE transactions SET removed_at = NULL
     WHERE removed_at IS NOT NULL AND hash IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [hashes],
  );
}

export function createChainStateRepository(db: Database): ChainStateRepository {
  return {
    async checkpoint(chainId, reader) {
      check(chainId, [], reader);
      const { rows } = await db.query<{ block_number: string | number; block_hash: string }>(
        "SELECT block_number, block_hash FROM chain_checkpoints WHERE chain_id = $1 AND reader = $2",
        [chainId, reader],
      );
      const row = rows[0];
      return row ? { number: Number(row.block_number), hash: row.block_hash } : null;
    },

    async saveCheckpoint(chainId, reader, checkpoint) {
      check(chainId, [checkpoint.hash], reader);
      await upsertCheckpoint(db, chainId, reader, checkpoint);
    },

    async recentBlocks(chainId, limit) {
      check(chainId, []);
      const { rows } = await db.query<BlockRow>(
        `SELECT block_number, block_hash, parent_hash, extract(epoch FROM block_timestamp)::bigint AS ts
         FROM chain_blocks WHERE chain_id = $1 ORDER BY block_number DESC LIMIT $2`,
        [chainId, limit],
      );
      return rows.map(toBlock);
    },

    async commitBlock(chainId, block, txHashes, keepBlocks) {
      check(chainId, [block.hash, block.parentHash, ...txHashes]);
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO chain_blocks (chain_id, block_number, block_hash, parent_hash, block_timestamp)
           VALUES ($1, $2, $3, $4, to_timestamp($5))
           ON CONFLICT (chain_id, block_number) DO UPDATE
             SET block_hash = excluded.block_hash, parent_hash = excluded.parent_hash,
                 block_timestamp = excluded.block_timestamp`,
          [chainId, block.number, block.hash, block.parentHash, block.timestamp],
        );
        await insertInclusions(tx, chainId, block, txHashes);
        await upsertCheckpoint(tx, chainId, HEAD_READER, block);
        await tx.query("DELETE FROM chain_blocks WHERE chain_id = $1 AND block_number <= $2", [
          chainId,
          block.number - keepBlocks,
        ]);
      });
    },

    async recordInclusions(chainId, block, txHashes) {
      check(chainId, [block.hash, ...txHashes]);
      await insertInclusions(db, chainId, block, txHashes);
    },

    async retractAbove(chainId, ancestor) {
      check(chainId, [ancestor.hash]);
      return db.transaction(async (tx) => {
        const orphaned = await tx.query<BlockRow>(
          `DELETE FROM chain_blocks WHERE chain_id = $1 AND block_number > $2
           RETURNING block_number, block_hash, parent_hash, extract(epoch FROM block_timestamp)::bigint AS ts`,
          [chainId, ancestor.number],
        );
        const blocks = orphaned.rows.map(toBlock).sort((a, b) => b.number - a.number);
        let txHashes: string[] = [];
        if (blocks.length > 0) {
          const removed = await tx.query<{ tx_hash: string }>(
            `UPDATE chain_inclusions SET removed_at = now()
             WHERE chain_id = $1 AND removed_at IS NULL
               AND block_hash IN (SELECT jsonb_array_elements_text($2::jsonb))
             RETURNING tx_hash`,
            [chainId, JSON.stringify(blocks.map((block) => block.hash))],
          );
          txHashes = [...new Set(removed.rows.map((row) => row.tx_hash))].sort();
          await tx.query(
            `UPDATE transactions t SET removed_at = now()
             WHERE t.hash IN (SELECT jsonb_array_elements_text($1::jsonb))
               AND NOT EXISTS (SELECT 1 FROM chain_inclusions i WHERE i.tx_hash = t.hash AND i.removed_at IS NULL)`,
            [JSON.stringify(txHashes)],
          );
        }
        await upsertCheckpoint(tx, chainId, HEAD_READER, ancestor);
        return { blocks, txHashes };
      });
    },

    async previewRetraction(chainId, ancestorNumber) {
      check(chainId, []);
      const orphaned = await db.query<BlockRow>(
        `SELECT block_number, block_hash, parent_hash, extract(epoch FROM block_timestamp)::bigint AS ts
         FROM chain_blocks WHERE chain_id = $1 AND block_number > $2 ORDER BY block_number DESC`,
        [chainId, ancestorNumber],
      );
      const blocks = orphaned.rows.map(toBlock);
      if (blocks.length === 0) return { blocks, txHashes: [] };
      const live = await db.query<{ tx_hash: string }>(
        `SELECT DISTINCT tx_hash FROM chain_inclusions
         WHERE chain_id = $1 AND removed_at IS NULL AND block_hash IN (SELECT jsonb_array_elements_text($2::jsonb))
         ORDER BY tx_hash`,
        [chainId, JSON.stringify(blocks.map((block) => block.hash))],
      );
      return { blocks, txHashes: live.rows.map((row) => row.tx_hash) };
    },

    async removedAt(txHash) {
      check(1, [txHash]);
      const { rows } = await db.query<{ removed_at: Date | string | null }>(
        "SELECT removed_at FROM transactions WHERE hash = $1",
        [txHash],
      );
      const value = rows[0]?.removed_at;
      return value === null || value === undefined ? null : new Date(value);
    },
  };
}
