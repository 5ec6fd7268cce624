import type { QueryResult } from "./database.ts";

/*
 * Messages between the embedded database's thread (pglite-thread-worker.ts) and the Database it serves
 * (pglite-thread-database.ts). Plain data only: they cross by structured clone, which carries the values
 * PGlite parses (Date, bigint, Uint8Array, json objects) as they are, but drops an Error's own fields, hence
 * SerializedError.
 */

/** workerData of the thread. */
export type PgliteThreadData = {
  /** A directory to persist to; undefined → in memory. */
  dataDir?: string;
  /** PostgreSQL's shared_buffers (PgliteDatabaseOptions.sharedBuffers). */
  sharedBuffers?: string;
};

/**
 * `txId` names a transaction opened by `begin`: the statement runs on that transaction, not on the
 * database (where it would wait until the transaction ends, as PGlite queues plain statements behind it).
 */
export type ThreadRequest =
  | { type: "query"; id: number; txId?: number; sql: string; params: unknown[] }
  | { type: "exec"; id: number; txId?: number; sql: string }
  /** Answered once the transaction is open; it stays open until `end`. */
  | { type: "begin"; id: number; txId: number }
  /** Answered once COMMIT (or ROLLBACK) is done; an error if the commit failed. */
  | { type: "end"; id: number; txId: number; commit: boolean }
  /** Answered once PGlite has closed (on disk: flushed); the parent then ends the thread. */
  | { type: "close"; id: number };

export type SerializedError = {
  name: string;
  message: string;
  /** Whether it was PGlite's DatabaseError (a PostgreSQL error), revived as one. */
  isDatabaseError: boolean;
  /** The PostgreSQL fields present on it (code, detail, constraint, ...), all strings. */
  fields: Record<string, string>;
};

export type ThreadReply =
  | { type: "ready" }
  | { type: "open-failed"; error: SerializedError }
  | { type: "result"; id: number; result?: QueryResult<unknown> }
  | { type: "error"; id: number; error: SerializedError };

/** The string fields of a PostgreSQL error that cross the thread boundary. */
export const DATABASE_ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
  "query",
] as const;
