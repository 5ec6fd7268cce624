/**
 * Decoded cache entries by their stored JSON text, for the one type that is read over and over (the
 * prediction of a popular transaction). JSON.parse of the entry was the cache's largest cost on a cached
 * predict (~3 % of the gateway's CPU) and ~10 % on a 1000-item cached batch. Keyed by the text itself,
 * so an entry that changes is simply another key and nothing here can be stale; the in-process store
 * hands back the same string every time, whose hash V8 keeps, so a lookup does not even re-read it.
 *
 * The values are shared between callers, so they are deeply frozen: a caller that tried to change one
 * would throw (ES modules are strict) instead of changing it for everyone.
 *
 * Bounded in entries and in text length; the oldest insertion goes first (a hit does not reorder, to keep
 * hits cheap). With Redis each read returns a new string, so the memo holds its own copies outside the
 * store's byte bound: 10,000 entries × (text ≤ maxTextLength UTF-16 chars + ~1 KB of objects) is ~15 MB
 * for typical ~600-character predictions and ~40 MB at the 1,536-character bound the cache sets.
 */
export function createDecodedMemo(options: { maxEntries: number; maxTextLength: number }) {
  const decoded = new Map<string, unknown>();
  return {
    /** JSON.parse, or the frozen value decoded earlier from the same text; throws as JSON.parse does. */
    parse(text: string): unknown {
      const known = decoded.get(text);
      if (known !== undefined) return known;
      const value = deepFreeze(JSON.parse(text));
      if (text.length > options.maxTextLength) return value;
      if (decoded.size >= options.maxEntries) {
        const oldest = decoded.keys().next();
        if (!oldest.done) decoded.delete(oldest.value);
      }
      decoded.set(text, value);
      return value;
    },
    get size(): number {
      return decoded.size;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
