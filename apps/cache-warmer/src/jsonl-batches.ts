import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

export interface SourceLine {
  lineNumber: number;
  value: unknown;
  /** Set when the line is not JSON; the warmer counts it as invalid and goes on. */
  parseError?: string;
}

/** Streams a JSON Lines file in batches, so a large file never sits in memory whole. */
export async function* readJsonlBatches(path: string, batchSize: number): AsyncGenerator<SourceLine[]> {
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let batch: SourceLine[] = [];
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === "") continue;
    try {
      batch.push({ lineNumber, value: JSON.parse(line) });
    } catch (error) {
      batch.push({ lineNumber, value: undefined, parseError: (error as Error).message });
    }
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
