/**
 * `work`, or a rejection with `Error(message)` once `ms` have passed, whichever comes first. The timer is
 * cleared either way; the work itself is not cancelled (callers bound a wait, not the operation).
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
