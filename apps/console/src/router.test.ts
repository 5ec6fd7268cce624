import { describe, expect, it } from "vitest";
import { hrefOf, parseRoute } from "./router.ts";

describe("hash routes", () => {
  it("reads every page from the hash", () => {
    expect(parseRoute("")).toEqual({ page: "feed" });
    expect(parseRoute("#/")).toEqual({ page: "feed" });
    expect(parseRoute("#/tx/0xabc?anomaly=17")).toEqual({
      page: "transaction",
      hash: "0xabc",
      anomalyId: "17",
    });
    expect(parseRoute("#/tx/0xabc")).toEqual({ page: "transaction", hash: "0xabc", anomalyId: null });
    expect(parseRoute("#/address/0x5555")).toEqual({ page: "address", address: "0x5555" });
    expect(parseRoute("#/models")).toEqual({ page: "models" });
    expect(parseRoute("#/stream")).toEqual({ page: "stream" });
    expect(parseRoute("#/alerts")).toEqual({ page: "alerts" });
    expect(parseRoute("#/suppressions")).toEqual({ page: "suppressions" });
    expect(parseRoute("#/access")).toEqual({ page: "access" });
    expect(parseRoute("#/settings")).toEqual({ page: "settings" });
    expect(parseRoute("#/tx")).toEqual({ page: "not-found", path: "/tx" });
    expect(parseRoute("#/models/extra")).toEqual({ page: "not-found", path: "/models/extra" });
  });

  it("writes links that read back as the same route", () => {
    const routes = [
      { page: "transaction", hash: "0xabc", anomalyId: "17" },
      { page: "address", address: "0x5555" },
      { page: "models" },
    ] as const;
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
    expect(hrefOf({ page: "transaction", hash: "0xabc", anomalyId: "17" })).toBe("#/tx/0xabc?anomaly=17");
  });
});
