#!/usr/bin/env node
import type { ScoredTransactionRecord } from "@chainwatch/store";
/**
 * node src/cli/store-experiments.ts [transactions=10000] [rounds=2]
 *
 * What each part of the PostgreSQL write path costs per stored transaction (issue #21): the store
 * benchmark's pass (recordScored in batches of 1,000, server CPU from the backend's /proc entry), once as
 * migrated and once per variant with one thing removed after the migrations (an index, the format checks,
 * the foreign keys, the generated columns) or one column left empty (features). Measurements, not
 * proposals: a removed constraint is a lost guarantee. Rounds alternate the order.
 */
import * as store from "@chainwatch/store";
import { scoredRecords, writePass } from "../bench/store-write.ts";
import { formatLoad, loadAverages } from "../machine.ts";

const log = (line: string) => process.stdout.write(`${line}\n`);
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const n = Number(process.argv[2] ?? 10000);
const batches = await scoredRecords(n, 1000);
const lean = batches.map((batch: ScoredTransactionRecord[]) =>
  batch.map(({ features: _features, ...record }) => record),
);
const checks = `ALTER TABLE transactions DROP CONSTRAINT transactions_hash_check, DROP CONSTRAINT transactions_from_address_check,
 DROP CONSTRAINT transactions_to_address_check, DROP CONSTRAINT transactions_selector_check,
 DROP CONSTRAINT transactions_content_fingerprint_check, DROP CONSTRAINT transactions_previous_content_fingerprint_check;
 ALTER TABLE predictions DROP CONSTRAINT predictions_content_fingerprint_check;
 ALTER TABLE anomalies DROP CONSTRAINT anomalies_content_fingerprint_check;`;
const variants: [string, string | undefined, typeof batches][] = [
  ["as is", undefined, batches],
  ["- predictions_tx_hash_created_at_idx", "DROP INDEX predictions_tx_hash_created_at_idx", batches],
  [
    "- 3 transactions secondary idx",
    "DROP INDEX transactions_first_seen_at_idx; DROP INDEX transactions_from_address_idx; DROP INDEX transactions_to_address_idx",
    batches,
  ],
  [
    "- predictions created_at + model_version idx",
    "DROP INDEX predictions_created_at_idx; DROP INDEX predictions_model_version_created_at_idx",
    batches,
  ],
  ["- regex checks", checks, batches],
  [
    "- foreign keys",
    "ALTER TABLE predictions DROP CONSTRAINT predictions_tx_hash_fkey; ALTER TABLE anomalies DROP CONSTRAINT anomalies_tx_hash_fkey",
    batches,
  ],
  [
    "- incident_id generated cols",
    "ALTER TABLE predictions DROP COLUMN incident_id; ALTER TABLE anomalies DROP COLUMN incident_id",
    batches,
  ],
  ["features not stored", undefined, lean],
  [
    "- anomalies table idx (3)",
    "DROP INDEX anomalies_detected_at_idx; DROP INDEX anomalies_severity_detected_at_idx; DROP INDEX anomalies_risk_score_idx",
    batches,
  ],
];
await writePass(store, url, batches.slice(0, 2));
const results = new Map<string, number[]>();
for (let round = 0; round < Number(process.argv[3] ?? 2); round++) {
  for (const [name, sql, data] of round % 2 ? [...variants].reverse() : variants) {
    const r = await writePass(store, url, data, sql);
    results.set(name, [...(results.get(name) ?? []), r.serverMicrosPerTransaction]);
    log(
      `${name.padEnd(46)} server ${r.serverMicrosPerTransaction.toFixed(1)} client ${r.clientMicrosPerTransaction.toFixed(1)} bytes ${Math.round(r.bytesPerTransaction)} load ${formatLoad(loadAverages())}`,
    );
  }
}
for (const [name, values] of results)
  log(`${name.padEnd(46)} ${values.map((v) => v.toFixed(1)).join(" / ")}`);
