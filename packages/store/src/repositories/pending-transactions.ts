import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";

/** A transaction the node announced as pending, as the mempool watcher records it. */
export interface PendingSeen {
  hash: string;
  from: string;
  nonce: number;
}

/** One transaction of a processed block, for reconciling the pending ones. */
export interface MinedTransactionRef {
  hash: string;
  from: string;
  nonce: number;
  /** Pending seen → the block seen, measured by the watcher; unset → computed from the stored seen time. */
  leadTimeMs?: number;
}

export type PendingOutcome = "mined" | "replaced" | "dropped";

export interface PendingResolution {
  hash: string;
  status: PendingOutcome;
  /** The mined transaction that took this one's sender and nonce (replaced only). */
  replacedBy: string | null;
  /** Mined only. */
  leadTimeMs: number | null;
}

/**
 * The mempool watcher's record (migration 0013). Every method is one statement and idempotent, so the
 * follower may repeat one after a crash: a resolved row is never resolved again, except `dropped`, which a
 * later block may still turn into `mined` or `replaced`.
 */
export interface PendingTransactionsRepository {
  /** Rows for newly seen pending transactions; a dropped one seen again is pending again. */
  recordSeen(chainId: number, seen: readonly PendingSeen[]): Promise<void>;
  /**
   * A processed block: its own pending rows become `mined` (at `blockNumber`), and unresolved rows of the
   * same sender and nonce under another hash become `replaced` by it. Returns what changed.
   */
  reconcileBlock(
    chainId: number,
    blockNumber: number,
    transactions: readonly MinedTransactionRef[],
  ): Promise<PendingResolution[]>;
  /** Pending rows seen more than `olderThanMs` ago become `dropped`. */
  dropOlderThan(chainId: number, olderThanMs: number): Promise<PendingResolution[]>;
}

const HASH = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

function check(chainId: number, rows: readonly { hash: string; from: string; nonce: number }[]): void {
  if (!Number.isSafeInteger(chainId) || chainId <= 0)
    throw new StoreValidationError(`chain id must be a positive integer, got ${chainId}`);
  for (const row of rows) {
    if (!HASH.test(row.hash))
      throw new StoreValidationError(`not a lower-case 0x hash: ${row.hash.slice(0, 80)}`);
    if (!ADDRESS.test(row.from))
      throw new StoreValidationError(`not a lower-case 0x address: ${row.from.slice(0, 80)}`);
    if (!Number.isSafeInteger(row.nonce) || row.nonce < 0)
      throw new StoreValidationError(`nonce must be a non-negative integer, got ${row.nonce}`);
  }
}

interface ResolutionRow {
  tx_hash: string;
  status: PendingOutcome;
  replaced_by: string | null;
  lead_time_ms: string | number | null;
}

const toResolution = (row: ResolutionRow): PendingResolution => ({
  hash: row.tx_hash,
  status: row.status,
  replacedBy: row.replaced_by,
  leadTimeMs: row.lead_time_ms === null ? null : Number(row.lead_time_ms),
});

// One row per pending transaction: the block's own transaction wins over a same-nonce match (a block may
// carry a transaction whose nonce matches an older pending one of the same sender: that one is replaced,
// this one is mined), hence DISTINCT ON with the exact-hash match first.
const RECONCILE = `
WITH block_txs AS (
  SELECT * FROM json_to_recordset($3::json) AS b(hash text, from_address text, nonce bigint, lead_time_ms bigint)
),
matches AS (
  SELECT DISTINCT ON (p.tx_hash) p.tx_hash, b.hash AS block_hash_tx, b.lead_time_ms, (p.tx_hash = b.hash) AS is_own
  FROM chain_pending_transactions p
  JOIN block_txs b ON p.tx_hash = b.hash OR (p.from_address = b.from_address AND p.nonce = b.nonce)
  WHERE p.chain_id = $1 AND p.status IN ('pending', 'dropped')
  ORDER BY p.tx_hash, (p.tx_hash = b.hash) DESC
)
UPDATE chain_pending_transactions p SET
  status = CASE WHEN m.is_own THEN 'mined' ELSE 'replaced' END,
  resolved_at = now(),
  block_number = $2,
  replaced_by = CASE WHEN m.is_own THEN NULL ELSE m.block_hash_tx END,
  lead_time_ms = CASE WHEN m.is_own
    THEN coalesce(m.lead_time_ms, greatest(0, (extract(epoch FROM now() - p.seen_at) * 1000)::bigint))
    ELSE NULL END
FROM matches m
WHERE p.chain_id = $1 AND p.tx_hash = m.tx_hash
RETURNING p.tx_hash, p.status, p.replaced_by, p.lead_time_ms`;

export function createPendingTransactionsRepository(db: Database): PendingTransactionsRepository {
  return {
    async recordSeen(chainId, seen) {
      check(chainId, seen);
      if (seen.length === 0) return;
      await db.query(
        `INSERT INTO chain_pending_transactions (chain_id, tx_hash, from_address, nonce)
         SELECT $1, s.hash, s.from_address, s.nonce
         FROM json_to_recordset($2::json) AS s(hash text, from_address text, nonce bigint)
         ORDER BY s.hash
         ON CONFLICT (chain_id, tx_hash) DO UPDATE
           SET status = 'pending', resolved_at = NULL, seen_at = now()
           WHERE chain_pending_transactions.status = 'dropped'`,
        [
          chainId,
          JSON.stringify(seen.map((row) => ({ hash: row.hash, from_address: row.from, nonce: row.nonce }))),
        ],
      );
    },

    async reconcileBlock(chainId, blockNumber, transactions) {
      check(chainId, transactions);
      if (transactions.length === 0) return [];
      const rows = transactions.map((tx) => ({
        hash: tx.hash,
        from_address: tx.from,
        nonce: tx.nonce,
        lead_time_ms: tx.leadTimeMs === undefined ? null : Math.max(0, Math.round(tx.leadTimeMs)),
      }));
      const { rows: changed } = await db.query<ResolutionRow>(RECONCILE, [
        chainId,
        blockNumber,
        JSON.stringify(rows),
      ]);
      return changed.map(toResolution);
    },

    async dropOlderThan(chainId, olderThanMs) {
      check(chainId, []);
      const { rows } = await db.query<ResolutionRow>(
        `UPDATE chain_pending_transactions SET status = 'dropped', resolved_at = now()
         WHERE chain_id = $1 AND status = 'pending' AND seen_at < now() - $2 * interval '1 millisecond'
         RETURNING tx_hash, status, replaced_by, lead_time_ms`,
        [chainId, olderThanMs],
      );
      return rows.map(toResolution);
    },
  };
}
