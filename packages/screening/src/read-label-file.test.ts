import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type LabelFileHeader, type LabelRow, readLabelFile } from "./read-label-file.ts";

const dir = mkdtempSync(join(tmpdir(), "cw-label-files-"));
const write = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const A = "0x80d7bb18521acbef32d7906502ebe94928690e93";
const B = "0x0000000000000000000000000000000000000bbb";

async function readAll(path: string, format?: "csv" | "jsonl") {
  const rows: LabelRow[] = [];
  let header: LabelFileHeader | null = null;
  for await (const row of readLabelFile(path, {
    ...(format ? { format } : {}),
    onHeader: (value) => {
      header = value;
    },
  }))
    rows.push(row);
  return { rows, header: header as LabelFileHeader | null };
}

describe("readLabelFile: CSV", () => {
  it("reads the generic layout: lower-cases, applies defaults, reports invalid rows with their line", async () => {
    const path = write(
      "generic.csv",
      [
        "\ufeffaddress,category,note,confidence,expires_at,extra",
        `${A.toUpperCase().replace("0X", "0x")},Phishing,"drainer, seen on X",0.8,2030-01-01T00:00:00Z,1`,
        "",
        `${B},exchange,,,,`,
        "0x1234,phishing,short address,,,",
        `${B},evil,,,,`,
        `${B},scam,,high,,`,
        `${B},scam,,,next week,`,
        `${B},scam`,
      ].join("\n"),
    );
    const { rows, header } = await readAll(path);
    expect(header).toEqual({ format: "csv", layout: "generic", ignoredColumns: ["extra"] });
    expect(rows[0]).toEqual({
      ok: true,
      line: 2,
      label: {
        address: A,
        chainId: 1,
        category: "phishing",
        source: null,
        confidence: 0.8,
        note: "drainer, seen on X",
        expiresAt: new Date("2030-01-01T00:00:00Z"),
      },
    });
    expect(rows[1]).toMatchObject({
      ok: true,
      line: 4,
      label: { address: B, category: "exchange", confidence: 1 },
    });
    expect(rows.slice(2).map((row) => [row.line, row.ok, row.ok ? null : row.message.split(":")[0]])).toEqual(
      [
        [5, false, "address"],
        [6, false, "category"],
        [7, false, "confidence"],
        [8, false, "expiresAt"],
        [9, false, "expected 6 columns, found 2"],
      ],
    );
  });

  it("reads a gzipped file and a record with an unclosed quote as one invalid row", async () => {
    const path = write("labels.csv.gz", gzipSync(`address,category\n${A},scam\n"${B},scam\n`));
    const { rows } = await readAll(path);
    expect(rows.map((row) => row.ok)).toEqual([true, false]);
    expect(rows[1]).toMatchObject({
      ok: false,
      line: 3,
      message: expect.stringContaining("Quote Not Closed"),
    });
  });

  it("refuses a file whose header matches no layout, an empty file and a missing one", async () => {
    await expect(readAll(write("bad.csv", "hash,value\n0x1,2\n"))).rejects.toMatchObject({
      code: "LABEL_FILE_INVALID",
      message: expect.stringContaining("unknown header (hash,value)"),
    });
    await expect(readAll(write("empty.csv", ""))).rejects.toMatchObject({ code: "LABEL_FILE_INVALID" });
    await expect(readAll(join(dir, "missing.csv"))).rejects.toMatchObject({ code: "LABEL_FILE_INVALID" });
    await expect(readAll(write("labels.txt", "address,category\n"))).rejects.toMatchObject({
      message: expect.stringContaining("cannot tell the format"),
    });
  });
});

describe("readLabelFile: JSON Lines", () => {
  it("reads objects in the store's or the CSV's field names, and counts what is not one", async () => {
    const path = write(
      "labels.jsonl",
      [
        JSON.stringify({
          address: A,
          category: "mixer",
          chainId: 10,
          expiresAt: "2030-01-01",
          id: "ignored",
        }),
        JSON.stringify({ address: B, category: "bridge", chain_id: 137, expires_at: null, note: "x" }),
        "{not json",
        "[1,2]",
        "",
        JSON.stringify({ address: B, category: "mixer", confidence: 2 }),
      ].join("\n"),
    );
    const { rows, header } = await readAll(path);
    expect(header).toEqual({ format: "jsonl", layout: "jsonl", ignoredColumns: [] });
    expect(rows).toEqual([
      {
        ok: true,
        line: 1,
        label: {
          address: A,
          category: "mixer",
          chainId: 10,
          source: null,
          confidence: 1,
          note: null,
          expiresAt: new Date("2030-01-01T00:00:00Z"),
        },
      },
      {
        ok: true,
        line: 2,
        label: {
          address: B,
          category: "bridge",
          chainId: 137,
          source: null,
          confidence: 1,
          note: "x",
          expiresAt: null,
        },
      },
      { ok: false, line: 3, message: "not valid JSON" },
      { ok: false, line: 4, message: "not a JSON object" },
      { ok: false, line: 6, message: expect.stringContaining("confidence:") },
    ]);
  });

  it("takes the format from the option over the extension", async () => {
    const path = write("labels.txt", `${JSON.stringify({ address: A, category: "mev" })}\n`);
    const { rows } = await readAll(path, "jsonl");
    expect(rows).toMatchObject([{ ok: true, label: { category: "mev" } }]);
  });
});
