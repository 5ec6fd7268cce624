import { StoreValidationError } from "../store-errors.ts";
import { type ListAnomaliesOptions, REASON_KINDS, SEVERITIES } from "./types.ts";

const ADDRESS = /^0x[0-9a-f]{40}$/;
const REASON_CODE = /^[a-z][a-z0-9_]{0,99}$/;
const LIST_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * The WHERE terms of an anomaly listing, and their parameters, numbered from $1. Each value is checked here
 * too (the gateway validates first): a term is SQL text, and only a checked value may reach its parameter.
 *
 * No index serves the content filters (reason, address, list): each term narrows the rows the
 * (detected_at, id) index walks newest first, so a page stops at its limit among recent anomalies, and the
 * count reads every match. The address and list terms go from the address side through the transactions'
 * from/to indexes, so they cost what the address's own transactions cost.
 */
export function anomalyFilters(options: Omit<ListAnomaliesOptions, "limit" | "cursor">): {
  filters: string[];
  params: unknown[];
} {
  const { severity, level, since, reviewed, address, reasonCode, reasonKind, listId } = options;
  for (const [field, values] of [
    ["severity", severity],
    ["level", level],
  ] as const)
    if (values?.some((value) => !SEVERITIES.includes(value)))
      throw new StoreValidationError(`unknown ${field}`, { field });
  if (since !== undefined && Number.isNaN(since.getTime()))
    throw new StoreValidationError("invalid since", { field: "since" });
  if (address !== undefined && !ADDRESS.test(address))
    throw new StoreValidationError("address must be 0x and 40 lower-case hex digits", { field: "address" });
  if (reasonCode !== undefined && !REASON_CODE.test(reasonCode))
    throw new StoreValidationError("invalid reason code", { field: "reasonCode" });
  if (reasonKind !== undefined && !REASON_KINDS.includes(reasonKind))
    throw new StoreValidationError("unknown reason kind", { field: "reasonKind" });
  if (listId !== undefined && !LIST_ID.test(listId))
    throw new StoreValidationError("invalid list id", { field: "listId" });

  // Shadow models' anomalies are kept for comparison, not queued for review.
  const filters: string[] = ["served"];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (severity && severity.length === 1) {
    // `=` rather than ANY of one: the planner then reads the (severity, detected_at, id) index in order
    // and stops at the limit instead of sorting every match.
    filters.push(`severity = ${param(severity[0])}`);
  } else if (severity && severity.length > 1) {
    filters.push(`severity = ANY(${param(severity)}::text[])`);
  }
  // The combined verdict's level; rows scored before it existed have only the model's severity.
  if (level && level.length > 0)
    filters.push(`coalesce(risk_level, severity) = ANY(${param(level)}::text[])`);
  if (since) filters.push(`detected_at >= ${param(since.toISOString())}::timestamptz`);
  if (reviewed !== undefined) filters.push(`reviewed = ${param(reviewed)}`);
  if (reasonCode !== undefined || reasonKind !== undefined) {
    // A reason that counted: a suppressed one is kept on the row for the record but did not flag it.
    const terms = ["coalesce(reason->>'suppressed', 'false') <> 'true'"];
    if (reasonCode !== undefined) terms.push(`reason->>'code' = ${param(reasonCode)}`);
    if (reasonKind !== undefined) terms.push(`reason->>'kind' = ${param(reasonKind)}`);
    filters.push(
      `EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(anomalies.reasons, '[]'::jsonb)) AS reason
        WHERE ${terms.join(" AND ")})`,
    );
  }
  if (address !== undefined) {
    const value = param(address);
    filters.push(
      `tx_hash IN (SELECT hash FROM transactions WHERE from_address = ${value}
        UNION SELECT hash FROM transactions WHERE to_address = ${value})`,
    );
  }
  if (listId !== undefined) {
    // Labels of any chain: the store keeps one chain's transactions (they carry no chain id yet).
    const labelled = `SELECT address FROM address_labels
      WHERE list_id = ${param(listId)} AND (expires_at IS NULL OR expires_at > now())`;
    filters.push(
      `tx_hash IN (SELECT hash FROM transactions WHERE from_address IN (${labelled})
        UNION SELECT hash FROM transactions WHERE to_address IN (${labelled}))`,
    );
  }
  return { filters, params };
}
