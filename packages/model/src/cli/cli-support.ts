import { ModelFileError } from "../errors.ts";
import type { NormalizedTransaction } from "../normalize-transaction.ts";
import { readTransactions } from "./read-transactions.ts";

/** The exit codes every Chainwatch training CLI uses (docs/model.md, "CLI"). */
export const CLI_EXIT = { ok: 0, failure: 1, usage: 2, badInput: 3, badModel: 4 } as const;

/** A command line the tool cannot run: exit 2 with a hint. */
export class UsageError extends Error {}
/** Input data the tool refuses (a bad row under --on-bad-row fail, no usable rows): exit 3. */
export class InputError extends Error {}

export function integerOption(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new UsageError(`${name} must be an integer in [${min}, ${max}]`);
  return value;
}

export function contaminationOption(raw: string): "auto" | number {
  if (raw === "auto") return "auto";
  const value = Number(raw);
  if (!(value > 0 && value <= 0.5))
    throw new UsageError("--contamination must be auto or a number in (0, 0.5]");
  return value;
}

export function badRowOption(raw: string): "skip" | "fail" {
  if (raw !== "skip" && raw !== "fail") throw new UsageError("--on-bad-row must be skip or fail");
  return raw;
}

export function whereOption(raw: string | undefined): { column: string; value: string } | undefined {
  if (raw === undefined) return undefined;
  const at = raw.indexOf("=");
  if (at <= 0) throw new UsageError("--where must look like column=value");
  return { column: raw.slice(0, at), value: raw.slice(at + 1) };
}

/**
 * The valid transactions of a training file, in file order. A bad row fails the run (InputError) or is
 * skipped and counted in `counts.badRows`, the first five and the total reported on stderr.
 */
export async function* validTransactions(
  input: string,
  options: { where: { column: string; value: string } | undefined; onBadRow: "skip" | "fail" },
  counts: { badRows: number } = { badRows: 0 },
): AsyncGenerator<NormalizedTransaction> {
  for await (const row of readTransactions(
    input,
    options.where === undefined ? {} : { where: options.where },
  )) {
    if (row.ok) {
      yield row.tx;
      continue;
    }
    if (options.onBadRow === "fail") throw new InputError(`line ${row.line}: ${row.message}`);
    counts.badRows++;
    if (counts.badRows <= 5) process.stderr.write(`skipping line ${row.line}: ${row.message}\n`);
  }
  if (counts.badRows > 0) process.stderr.write(`skipped ${counts.badRows} bad row(s)\n`);
}

/** Runs a CLI's main and maps what it throws to the shared exit codes and one stderr line. */
export async function runCli(tool: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`usage error: ${message}\nrun ${tool} --help\n`);
      process.exitCode = CLI_EXIT.usage;
    } else if (error instanceof InputError) {
      process.stderr.write(`bad input: ${message}\n`);
      process.exitCode = CLI_EXIT.badInput;
    } else if (error instanceof ModelFileError) {
      process.stderr.write(`invalid model (${error.code}): ${message}\n`);
      process.exitCode = CLI_EXIT.badModel;
    } else {
      process.stderr.write(`failed: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
      process.exitCode = CLI_EXIT.failure;
    }
  }
}
