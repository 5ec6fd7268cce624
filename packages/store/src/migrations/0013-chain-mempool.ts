import type { Migration } from "./migration.ts";

const HASH = "'^0x[0-9a-f]{64}$'";

/**
 * The chain follower's mempool mode (issue #19, item 8). A transaction the node announced as pending is
 * scored before its block; this table records what became of it, so a lookup can say so and the mined
 * result can be tied to the pending one:
 *
 * - `pending`: seen, not yet in a processed block;
 * - `mined`: a processed block included it (`block_number`, and `lead_time_ms` from seen to the block);
 * - `replaced`: a processed block included another transaction of the same sender and nonce
 *   (`replaced_by`), so this one can never be mined;
 * - `dropped`: not mined within CHAIN_MEMPOOL_DROP_AFTER_SECONDS. Not final: a dropped transaction that a
 *   later block includes becomes `mined` (or `replaced`).
 *
 * `transactions.pending_fingerprint`: when a transaction stored without a block (scored while pending) is
 * stored again with its block and the same signed fields, the mined content replaces the pending one
 * without a content conflict, and this column keeps the pending content's fingerprint: the mined result
 * references the pending one (whose predictions stay stored under it), and the pending result's anomaly
 * is not repeated for the mined one.
 *
 * The partial index serves the replacement check (sender and nonce of every transaction in a block) over
 * the unresolved rows only.
 */
export const chainMempoolMigration: Migration = {
  id: "0013_chain_mempool",
  sql: `
CREATE TABLE chain_pending_transactions (
  chain_id bigint NOT NULL CHECK (chain_id > 0),
  tx_hash text NOT NULL CHECK (tx_hash ~ ${HASH}),
  from_address text NOT NULL CHECK (from_address ~ '^0x[0-9a-f]{40}$'),
  nonce bigint NOT NULL CHECK (nonce >= 0),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'mined', 'replaced', 'dropped')),
  seen_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  block_number bigint CHECK (block_number >= 0),
  replaced_by text CHECK (replaced_by ~ ${HASH}),
  lead_time_ms bigint CHECK (lead_time_ms >= 0),
  PRIMARY KEY (chain_id, tx_hash),
  CHECK ((status = 'pending') = (resolved_at IS NULL)),
  CHECK ((status = 'replaced') = (replaced_by IS NOT NULL))
);
CREATE INDEX chain_pending_transactions_tx_hash_idx ON chain_pending_transactions (tx_hash);
CREATE INDEX chain_pending_transactions_open_idx ON chain_pending_transactions (chain_id, from_address, nonce)
  WHERE status IN ('pending', 'dropped');
CREATE INDEX chain_pending_transactions_seen_idx ON chain_pending_transactions (chain_id, seen_at)
  WHERE status = 'pending';

ALTER TABLE transactions ADD COLUMN pending_fingerprint text;
`,
};
