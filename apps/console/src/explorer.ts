/**
 * Where "open in a block explorer" links go: a pattern per browser (localStorage, set on the settings page),
 * since which explorer fits depends on the chain a deployment watches. `{hash}` and `{address}` are replaced.
 */
export interface ExplorerPatterns {
  transaction: string;
  address: string;
}

export const DEFAULT_EXPLORER: ExplorerPatterns = {
  transaction: "https://etherscan.io/tx/{hash}",
  address: "https://etherscan.io/address/{address}",
};

const STORAGE_KEY = "chainwatch.console.explorer";

export function loadExplorer(storage: Storage = localStorage): ExplorerPatterns {
  try {
    const stored = JSON.parse(storage.getItem(STORAGE_KEY) ?? "null") as Partial<ExplorerPatterns> | null;
    return {
      transaction: isPattern(stored?.transaction, "{hash}")
        ? stored.transaction
        : DEFAULT_EXPLORER.transaction,
      address: isPattern(stored?.address, "{address}") ? stored.address : DEFAULT_EXPLORER.address,
    };
  } catch {
    return DEFAULT_EXPLORER;
  }
}

export function saveExplorer(patterns: ExplorerPatterns, storage: Storage = localStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(patterns));
}

/** Only http(s) URLs with the placeholder: a `javascript:` pattern would run in the console's origin. */
export function isPattern(value: unknown, placeholder: string): value is string {
  if (typeof value !== "string" || !value.includes(placeholder)) return false;
  try {
    const url = new URL(value.replace(placeholder, "x"));
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** The link for one value; the value is URL-encoded (hashes and addresses are hex, but stored data is data). */
export const explorerLink = (pattern: string, placeholder: "{hash}" | "{address}", value: string) =>
  pattern.replace(placeholder, encodeURIComponent(value));
