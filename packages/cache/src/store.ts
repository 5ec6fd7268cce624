/**
 * The narrow port a cache backend implements. Methods reject when the backend fails; the Cache facade
 * turns those rejections into misses and dropped writes, so callers never see them.
 */
export interface CacheStore {
  readonly kind: "redis" | "memory";
  get(key: string): Promise<string | null>;
  /** One round trip for many keys; the result is aligned with `keys`. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** One round trip for many writes. */
  mset(entries: readonly StoreEntry[]): Promise<void>;
  del(keys: readonly string[]): Promise<number>;
  /** Whether the backend answers right now (used by /health and readiness). */
  ping(): Promise<boolean>;
  /** Approximate bytes held in process; 0 for remote stores. */
  sizeBytes(): number;
  close(): Promise<void>;
}

export interface StoreEntry {
  key: string;
  value: string;
  ttlSeconds: number;
}
