import type { Migration } from "./migration.ts";

const HASH = "'^0x[0-9a-f]{64}$'";

/**
 * The chain follower (issue #19). Blocks can be orphaned by a reorganisation after their transactions were
 * scored, so what the chain says about a transaction is kept apart from its scored content:
 *
 * - `chain_checkpoints`: per chain and reader (`head` for the follower, `backfill:<from>-<to>` for a
 *   backfill job), the last block fully handed to the pipeline; a restart resumes after it.
 * - `chain_blocks`: the head follower's recent canonical blocks (number, hash, parent hash), a bounded
 *   window (CHAIN_REORG_WINDOW_BLOCKS): on a parent-hash mismatch, or after a restart, the follower walks
 *   back through it to the common ancestor with the node.
 * - `chain_inclusions`: one row per (block, transaction) the follower handed over; `removed_at` is set when
 *   that block is orphaned. A transaction re-included in the new branch gets a new row.
 * - `transactions.removed_at`: set while no canonical inclusion of the transaction is known (every
 *   inclusion removed), cleared when it is included again; null for everything that never came from a chain.
 */
export const chainFollowerMigration: Migration = {
  id: "0010_chain_follower",
  sql: `
CREATE TABLE chain_checkpoints (
  chain_id bigint NOT NULL CHECK (chain_id > 0),
  reader text NOT NULL CHECK (reader ~ '^[a-z0-9:._-]{1,64}$'),
  block_number bigint NOT NULL CHECK (block_number >= 0),
  block_hash text NOT NULL CHECK (block_hash ~ ${HASH}),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, reader)
);

CREATE TABLE chain_blocks (
  chain_id bigint NOT NULL CHECK (chain_id > 0),
  block_number bigint NOT NULL CHECK (block_number >= 0),
  block_hash text NOT NULL CHECK (block_hash ~ ${HASH}),
  parent_hash text NOT NULL CHECK (parent_hash ~ ${HASH}),
  block_timestamp timestamptz NOT NULL,
  PRIMARY KEY (chain_id, block_number)
);

CREATE TABLE chain_inclusions (
  chain_id bigint NOT NULL CHECK (chain_id > 0),
  block_hash text NOT NULL CHECK (block_hash ~ ${HASH}),
  tx_hash text NOT NULL CHECK (tx_hash ~ ${HASH}),
  block_number bigint NOT NULL CHECK (block_number >= 0),
  included_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz,
  PRIMARY KEY (chain_id, block_hash, tx_hash)
);
CREATE INDEX chain_inclusions_tx_hash_idx ON chain_inclusions (tx_hash);

ALTER TABLE transactions ADD COLUMN removed_at timestamptz;
`,
};
