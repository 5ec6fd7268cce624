import type { Results } from "@electric-sql/pglite";
import type { QueryResult } from "./database.ts";

/**
 * Matches pg's rowCount: rows returned for a statement with a result set (SELECT, ... RETURNING), rows
 * affected otherwise. PGlite reports affectedRows 0 for a SELECT, which made "does this row exist" checks
 * on rowCount silently wrong on one driver only. Both PGlite drivers (in thread and in a worker thread) use it.
 */
export function toQueryResult<Row>(result: Results<Row>): QueryResult<Row> {
  const hasResultSet = result.fields.length > 0;
  return { rows: result.rows, rowCount: hasResultSet ? result.rows.length : (result.affectedRows ?? 0) };
}
