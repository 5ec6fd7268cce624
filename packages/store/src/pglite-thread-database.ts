import { Worker } from "node:worker_threads";
import { once } from "@chainwatch/service-kit";
import { messages } from "@electric-sql/pglite";
import type { Database, Queryable, QueryResult } from "./database.ts";
import { type PgliteDatabaseOptions, pgliteSettings } from "./pglite-database.ts";
import type {
  PgliteThreadData,
  SerializedError,
  ThreadReply,
  ThreadRequest,
} from "./pglite-thread-protocol.ts";

/** The thread's entry, a .ts file Node runs directly (as the training worker's). */
export const PGLITE_THREAD_URL: URL = new URL("./pglite-thread-worker.ts", import.meta.url);

/** Distributes `Omit` over a union, so each request keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export interface PgliteThread {
  database: Database;
  /** The thread itself, for tests that kill it. */
  worker: Worker;
}

/**
 * The embedded PostgreSQL in a worker thread, behind the same Database port as createPgliteDatabase: the
 * gateway's embedded default. In the gateway's thread PGlite's WebAssembly blocked the event loop (under
 * overload /health went unanswered for minutes, docs/benchmarks.md issue #21); here only structured clones
 * of parameters and rows are paid on the caller's thread.
 *
 * Same semantics as the in-thread driver: statements may be issued concurrently (PGlite runs them one at a
 * time), a plain statement issued during a transaction waits until it ends, results and PostgreSQL errors
 * (message, code, detail, constraint, ...) are the same. If the thread dies every pending and later call
 * rejects; `ping()` then answers false. The thread keeps the process alive only while a call is pending.
 */
export async function createThreadedPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  return (await startPgliteThread(options)).database;
}

export async function startPgliteThread(options: PgliteDatabaseOptions = {}): Promise<PgliteThread> {
  // Checked here too, so a bad setting is the caller's RangeError rather than a thread that failed to open.
  pgliteSettings(options);
  const workerData: PgliteThreadData = {
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.sharedBuffers === undefined ? {} : { sharedBuffers: options.sharedBuffers }),
  };
  const worker = new Worker(PGLITE_THREAD_URL, { workerData });
  const pending = new Map<
    number,
    { resolve(result: QueryResult<unknown> | undefined): void; reject(error: Error): void }
  >();
  let nextId = 1;
  let nextTxId = 1;
  /** Set once the thread cannot answer any more: every call rejects with it. */
  let gone: Error | undefined;
  let isReferenced = true;

  // An idle database must not hold the process open (the in-thread driver does not); a pending call must.
  const updateRef = () => {
    const shouldReference = pending.size > 0;
    if (shouldReference === isReferenced || gone) return;
    isReferenced = shouldReference;
    if (shouldReference) worker.ref();
    else worker.unref();
  };

  const ready = new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      gone ??= error;
      for (const call of pending.values()) call.reject(gone);
      pending.clear();
      reject(gone);
    };
    worker.on("message", (reply: ThreadReply) => {
      if (reply.type === "ready") resolve();
      else if (reply.type === "open-failed") fail(reviveError(reply.error));
      else {
        const call = pending.get(reply.id);
        if (!call) return;
        pending.delete(reply.id);
        if (reply.type === "result") call.resolve(reply.result);
        else call.reject(reviveError(reply.error));
        updateRef();
      }
    });
    worker.on("error", (error) =>
      fail(new Error(`embedded database thread failed: ${error.message}`, { cause: error })),
    );
    worker.on("exit", (code) => fail(new Error(`embedded database thread exited (code ${code})`)));
  });
  await ready;
  updateRef();

  const call = (request: WithoutId<ThreadRequest>): Promise<QueryResult<unknown> | undefined> => {
    if (gone) return Promise.reject(gone);
    const id = nextId++;
    const answer = new Promise<QueryResult<unknown> | undefined>((resolve, reject) =>
      pending.set(id, { resolve, reject }),
    );
    try {
      worker.postMessage({ ...request, id });
    } catch (error) {
      // A parameter structured clone cannot carry (a function, a symbol): refused here, never sent.
      pending.delete(id);
      return Promise.reject(error);
    }
    updateRef();
    return answer;
  };

  const queryable = (txId?: number): Queryable => {
    const scope = txId === undefined ? {} : { txId };
    return {
      query: async <Row>(sql: string, params: readonly unknown[] = []) =>
        (await call({ type: "query", sql, params: [...params], ...scope })) as QueryResult<Row>,
      async exec(sql) {
        await call({ type: "exec", sql, ...scope });
      },
    };
  };

  const database: Database = {
    driver: "pglite",
    ...queryable(),
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const txId = nextTxId++;
      await call({ type: "begin", txId });
      let result: T;
      try {
        result = await work(queryable(txId));
      } catch (error) {
        // The work's error is the one the caller needs; a failed ROLLBACK (the thread gone) adds nothing.
        await call({ type: "end", txId, commit: false }).catch(() => {});
        throw error;
      }
      await call({ type: "end", txId, commit: true });
      return result;
    },
    async ping() {
      try {
        await call({ type: "query", sql: "SELECT 1", params: [] });
        return true;
      } catch {
        return false;
      }
    },
    close: once(async () => {
      if (gone) return;
      try {
        await call({ type: "close" });
      } finally {
        gone ??= new Error("embedded database is closed");
        await worker.terminate();
      }
    }),
  };
  return { database, worker };
}

/** The thread's error as the in-thread driver would have thrown it: PGlite's DatabaseError with its fields. */
function reviveError(serialized: SerializedError): Error {
  let error: Error;
  if (serialized.isDatabaseError) error = new messages.DatabaseError(serialized.message, 0, "error");
  else {
    error = new Error(serialized.message);
    error.name = serialized.name;
  }
  Object.assign(error, serialized.fields);
  return error;
}
