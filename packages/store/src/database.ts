/** Rows and count of one statement; the same shape from both drivers. */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /**
   * Runs a script of several statements without parameters (migrations). Separate from `query` because
   * PGlite's `query` uses the extended protocol, which accepts one statement only.
   */
  exec(script: string): Promise<void>;
}

/**
 * The narrow port every app uses for SQL. Two drivers speak the same PostgreSQL dialect: `pg` against a
 * real server, and PGlite (Postgres compiled to WASM, in process) for the embedded default.
 */
export interface Database extends Queryable {
  readonly driver: "postgres" | "pglite";
  /** Runs `work` in one transaction; rolls back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
