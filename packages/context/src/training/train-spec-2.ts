import {
  type NormalizedTransaction,
  type TrainFromRowsOptions,
  type TrainFromRowsResult,
  trainModelFromFeatureRows,
} from "@chainwatch/model";
import { type Spec2RowCounts, type Spec2RowsOptions, streamSpec2Rows } from "./spec-2-rows.ts";

export type TrainSpec2Options = TrainFromRowsOptions & Spec2RowsOptions;

export type TrainSpec2Result = TrainFromRowsResult & Spec2RowCounts;

/**
 * Trains a feature-spec-2 model from time-ordered transactions: each goes through the address state (an
 * in-memory store unless `store` says otherwise) and is trained on with the context it had before its own
 * update, the features the scoring service would have served and stored for it. createdAt defaults to
 * the latest transaction timestamp; the same transactions and options give the same bytes.
 */
export async function trainSpec2Model(
  transactions: AsyncIterable<NormalizedTransaction> | Iterable<NormalizedTransaction>,
  options: TrainSpec2Options = {},
): Promise<TrainSpec2Result> {
  const { batchSize, store, maxRememberedFingerprints, ...trainOptions } = options;
  const { rows, counts } = streamSpec2Rows(transactions, {
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(store === undefined ? {} : { store }),
    ...(maxRememberedFingerprints === undefined ? {} : { maxRememberedFingerprints }),
  });
  async function* featureRows() {
    for await (const row of rows) yield { values: row.values, timestamp: row.tx.timestamp };
  }
  const result = await trainModelFromFeatureRows(featureRows(), { ...trainOptions, featureSpecVersion: 2 });
  return { ...result, ...counts };
}
