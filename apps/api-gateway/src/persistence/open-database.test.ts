import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedSettings } from "./open-database.ts";

describe("the embedded database's settings", () => {
  const directory = mkdtempSync(path.join(tmpdir(), "cw-embedded-settings-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("keep PGlite's shared_buffers for a new database and set PGLITE_SHARED_BUFFERS when one is reopened", () => {
    expect(embeddedSettings(directory, "32MB")).toEqual({});
    expect(embeddedSettings(path.join(directory, "not-yet-created"), "32MB")).toEqual({});
    writeFileSync(path.join(directory, "PG_VERSION"), "17\n");
    expect(embeddedSettings(directory, "32MB")).toEqual({ sharedBuffers: "32MB" });
  });
});
