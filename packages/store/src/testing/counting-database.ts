import type { Database, Queryable } from "../database.ts";

export interface CountingDatabase extends Database {
  /** SQL of every statement sent since the last reset, including those inside transactions. */
  readonly statements: string[];
  reset(): void;
}

/** Wraps a database to count statements, so tests can prove a lookup is one query and not N + 1. */
export function countingDatabase(db: Database): CountingDatabase {
  const statements: string[] = [];
  const counted = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      statements.push(sql);
      return target.query(sql, params);
    },
    exec: (script) => {
      statements.push(script);
      return target.exec(script);
    },
  });
  return {
    ...counted(db),
    driver: db.driver,
    statements,
    reset: () => {
      statements.length = 0;
    },
    transaction: (work) => db.transaction((tx) => work(counted(tx))),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
