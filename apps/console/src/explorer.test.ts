import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_EXPLORER, explorerLink, isPattern, loadExplorer, saveExplorer } from "./explorer.ts";

describe("block explorer links", () => {
  beforeEach(() => localStorage.clear());

  it("defaults to Etherscan and keeps a chosen pattern per browser", () => {
    expect(loadExplorer()).toEqual(DEFAULT_EXPLORER);
    saveExplorer({
      transaction: "https://polygonscan.com/tx/{hash}",
      address: "https://polygonscan.com/address/{address}",
    });
    expect(loadExplorer().transaction).toBe("https://polygonscan.com/tx/{hash}");
    expect(explorerLink(loadExplorer().transaction, "{hash}", "0xabc")).toBe(
      "https://polygonscan.com/tx/0xabc",
    );
  });

  it("refuses patterns without the placeholder or outside http(s)", () => {
    expect(isPattern("https://etherscan.io/tx/", "{hash}")).toBe(false);
    expect(isPattern("javascript:alert('{hash}')", "{hash}")).toBe(false);
    expect(isPattern("ftp://example.com/{hash}", "{hash}")).toBe(false);
    expect(isPattern("http://explorer.local:4000/tx/{hash}", "{hash}")).toBe(true);
    localStorage.setItem(
      "chainwatch.console.explorer",
      JSON.stringify({ transaction: "javascript:void('{hash}')", address: "https://x.test/a/{address}" }),
    );
    expect(loadExplorer()).toEqual({
      transaction: DEFAULT_EXPLORER.transaction,
      address: "https://x.test/a/{address}",
    });
  });

  it("encodes the value it puts in", () => {
    expect(explorerLink("https://x.test/a/{address}", "{address}", "0xab/../c")).toBe(
      "https://x.test/a/0xab%2F..%2Fc",
    );
  });
});
