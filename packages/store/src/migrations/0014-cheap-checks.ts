import type { Migration } from "./migration.ts";

/**
 * The hot tables' format checks, rewritten without regular expressions, each accepting exactly what its
 * regex accepted. `x ~ '^0x[0-9a-f]{64}$'` is the same set as `octet_length(x) = 66 AND rtrim(x,
 * '0123456789abcdef') = '0x'`: rtrim strips trailing characters of the set and stops at the first other one,
 * so only '0x' followed by set characters leaves exactly '0x', and 64 of them are 66 bytes (the set is
 * ASCII, so bytes are characters). Likewise for addresses (42 bytes), selectors (10) and content
 * fingerprints (43 characters of [A-Za-z0-9_-], nothing left after rtrim).
 *
 * Why: every stored transaction evaluated seven or eight of these regexes (hash, sender, recipient,
 * selector, fingerprint on transactions, predictions and anomalies), and PostgreSQL's regex engine runs them
 * character by character through its wide-character path. Measured with `pnpm --filter
 * @chainwatch/loadtests bench -- --only store` (docs/benchmarks.md, issue #21): dropping them saved ~15 µs
 * of the ~112 µs of server CPU per stored transaction; the rtrim form costs about half a regex.
 *
 * Added NOT VALID, then validated: the rows already stored passed the stricter-or-equal old checks, and
 * VALIDATE takes a lock that lets writes continue while it scans.
 */
const HASH = (column: string) =>
  `octet_length(${column}) = 66 AND rtrim(${column}, '0123456789abcdef') = '0x'`;
const ADDRESS = (column: string) =>
  `octet_length(${column}) = 42 AND rtrim(${column}, '0123456789abcdef') = '0x'`;
const SELECTOR = (column: string) =>
  `octet_length(${column}) = 10 AND rtrim(${column}, '0123456789abcdef') = '0x'`;
const FINGERPRINT = (column: string) =>
  `octet_length(${column}) = 43 AND rtrim(${column}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-') = ''`;

const replaced: { table: string; column: string; check: (column: string) => string }[] = [
  { table: "transactions", column: "hash", check: HASH },
  { table: "transactions", column: "from_address", check: ADDRESS },
  { table: "transactions", column: "to_address", check: ADDRESS },
  { table: "transactions", column: "selector", check: SELECTOR },
  { table: "transactions", column: "content_fingerprint", check: FINGERPRINT },
  { table: "transactions", column: "previous_content_fingerprint", check: FINGERPRINT },
  { table: "predictions", column: "content_fingerprint", check: FINGERPRINT },
  { table: "anomalies", column: "content_fingerprint", check: FINGERPRINT },
];

export const cheapChecksMigration: Migration = {
  id: "0014_cheap_checks",
  sql: replaced
    .map(({ table, column, check }) => {
      const name = `${table}_${column}_check`;
      return `ALTER TABLE ${table} DROP CONSTRAINT ${name},
  ADD CONSTRAINT ${name} CHECK (${check(column)}) NOT VALID;
ALTER TABLE ${table} VALIDATE CONSTRAINT ${name};`;
    })
    .join("\n"),
};
