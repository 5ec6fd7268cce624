/** Memoises an async action so that calling it twice (e.g. stop() from a signal and from a test) runs it once. */
export function once<T>(action: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= action();
    return pending;
  };
}
