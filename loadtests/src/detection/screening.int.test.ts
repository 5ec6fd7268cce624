import { describeWithServices } from "@chainwatch/testing";
import { expect, it } from "vitest";
import { runScreeningBench } from "./screening-bench.ts";

/*
 * The screening benchmark end to end on a small day (300 addresses, 3 hours). Unlike detection quality,
 * what the lists do is policy, so it is asserted exactly: with the shipped lists loaded, every transaction
 * to or from a listed address is flagged, at least high, with a deny-list reason naming a shipped list —
 * also the allowlisted busy address's transactions with listed counterparties — and the busy address is no longer
 * flagged for anything about itself. Without the lists, no transaction carries a list reason.
 */
await describeWithServices("screening benchmark runner (two embedded gateways)", [], () => {
  it("flags every transaction touching a listed address and mutes the allowlisted busy address", async () => {
    const lines: string[] = [];
    const result = await runScreeningBench(
      {
        style: "default",
        hours: 3,
        addresses: 300,
        batchSize: 200,
        allowlistedToListed: 3,
        listed: { addresses: 20, redirectShare: 0.05, sendsPerAddress: 2 },
      },
      (line) => lines.push(line),
    );
    const [off, on] = result.runs;
    expect(result.listedAddresses).toBe(20);
    expect(off?.fromListed.transactions).toBeGreaterThanOrEqual(38);
    expect(off?.toListed.transactions).toBeGreaterThan(5);
    expect(off?.fromListed.withShippedListReason).toBe(0);
    expect(off?.toListed.withShippedListReason).toBe(0);

    for (const listed of [on?.toListed, on?.fromListed, on?.busyWithListed]) {
      expect(listed?.transactions).toBeGreaterThan(0);
      expect(listed?.flagged).toBe(listed?.transactions);
      expect(listed?.withShippedListReason).toBe(listed?.transactions);
      expect(listed?.highOrCritical).toBe(listed?.transactions);
    }
    // the 3 added payments from listed addresses, plus up to 3 of its own transfers redirected to them
    expect(on?.busyWithListed.transactions).toBeGreaterThanOrEqual(3);
    expect(on?.busyAddress.address).toBe(off?.busyAddress.address);
    // it had false positives of its own before its allow label (else the next line would prove nothing)
    expect(off?.busyAddress.flaggedForItself).toBeGreaterThan(0);
    expect(on?.busyAddress.flaggedForItself).toBe(0);
    expect(
      lines.some((line) => line.includes("shipped lists in the gateway: forta-etherscan-malicious 7259")),
    ).toBe(true);
  }, 240_000);
});
