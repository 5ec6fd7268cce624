import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";

/** The regexes migration 0014 replaced, and the columns whose constraint must accept exactly the same. */
const FORMATS = [
  { table: "transactions", column: "hash", regex: "^0x[0-9a-f]{64}$", length: 66 },
  { table: "transactions", column: "from_address", regex: "^0x[0-9a-f]{40}$", length: 42 },
  { table: "transactions", column: "selector", regex: "^0x[0-9a-f]{8}$", length: 10 },
  { table: "predictions", column: "content_fingerprint", regex: "^[A-Za-z0-9_-]{43}$", length: 43 },
];

/** Near misses of each format: every way a value of about the right length can be wrong, and right ones. */
function candidates(length: number, isHex: boolean): string[] {
  const body = isHex ? length - 2 : length;
  const good = isHex ? `0x${"0123456789abcdef".repeat(8).slice(0, body)}` : "aZ09_-".repeat(8).slice(0, body);
  const values = [
    good,
    good.slice(0, -1),
    `${good}0`,
    `${good.slice(0, -1)}é`, // one byte longer in UTF-8, same length in characters
    `${good.slice(0, -2)}é`, // same length in bytes, one character short
    good.toUpperCase(),
    `${good.slice(0, -1)}\n`,
    ` ${good.slice(1)}`,
    `${good.slice(0, -1)} `,
    `0X${good.slice(2)}`,
    `00${good.slice(2)}`,
    `x0${good.slice(2)}`,
    `${good.slice(0, 10)}g${good.slice(11)}`,
    `${good.slice(0, 10)}.${good.slice(11)}`,
    `${good.slice(0, 10)}+${good.slice(11)}`,
    `${good.slice(0, 10)}=${good.slice(11)}`,
    "",
    "0x",
    isHex ? `0x${"f".repeat(body)}` : "-".repeat(body),
    isHex ? `0x${"0".repeat(body - 2)}0x` : `${"_".repeat(body - 1)}/`,
  ];
  // Random strings over the format's alphabet plus a few outsiders, at the right length.
  const alphabet = "0123456789abcdefxX_-AZgé\n ";
  let seed = length;
  for (let n = 0; n < 400; n++) {
    let text = isHex && n % 2 === 0 ? "0x" : "";
    while (text.length < length) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      text += alphabet[seed % (n % 3 === 0 ? 16 : alphabet.length)];
    }
    values.push(text);
  }
  return values;
}

/** Migration 0014's checks against the regexes they replaced, on the database `open` gives. */
export function defineCheapChecksSuite(name: string, open: () => Promise<Database>): void {
  describe(name, () => {
    let database: Database;
    beforeAll(async () => {
      database = await open();
      await runMigrations(database);
    });
    afterAll(() => database.close());

    it.each(FORMATS)(
      "$column of $table accepts exactly what $regex accepts",
      async ({ table, column, regex, length }) => {
        const values = candidates(length, regex.startsWith("^0x"));
        const { rows: constraint } = await database.query<{ definition: string }>(
          `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = $1::regclass AND conname = $2`,
          [table, `${table}_${column}_check`],
        );
        const definition = constraint[0]?.definition ?? "";
        expect(definition).not.toContain("~");
        // The constraint's own expression, evaluated on each value, against the regex it replaced.
        const expression = definition
          .replace(/^CHECK \(/, "")
          .replace(/\)$/, "")
          .replaceAll(column, "v");
        const { rows } = await database.query<{ v: string; old: boolean; new: boolean }>(
          `SELECT v, v ~ $2 AS old, coalesce((${expression}), false) AS new FROM unnest($1::text[]) AS v`,
          [values, regex],
        );
        expect(rows).toHaveLength(values.length);
        expect(rows.filter((row) => row.old !== row.new)).toEqual([]);
        expect(rows.filter((row) => row.old).length).toBeGreaterThan(2);
        expect(rows.filter((row) => !row.old).length).toBeGreaterThan(15);
      },
    );

    it("still refuses a malformed hash on insert", async () => {
      await expect(
        database.query(
          "INSERT INTO transactions (hash, value_wei, gas, gas_price_wei, input_size) VALUES ($1, 0, 0, 0, 0)",
          [`0x${"A".repeat(64)}`],
        ),
      ).rejects.toThrow(/transactions_hash_check/);
    });
  });
}
