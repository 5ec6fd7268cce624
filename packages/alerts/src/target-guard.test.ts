import { describe, expect, it } from "vitest";
import { createTargetGuard, isNonPublicAddress } from "./target-guard.ts";

describe("SSRF target guard", () => {
  it.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["::1", true],
    ["fe80::1", true],
    ["fd00::1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:8.8.8.8", false],
    ["8.8.8.8", false],
    ["2606:4700:4700::1111", false],
    ["not-an-ip", true],
  ])("%s non-public: %s", (address, expected) => {
    expect(isNonPublicAddress(address)).toBe(expected);
  });

  const resolver = (answers: Record<string, string[]>) => async (host: string) => answers[host] ?? [];

  it("refuses a host when any one of its addresses is private", async () => {
    const guard = createTargetGuard(
      { allowPrivate: false, allowedHosts: [] },
      resolver({ "mixed.example": ["93.184.216.34", "10.0.0.5"], "public.example": ["93.184.216.34"] }),
    );
    await expect(guard.checkUrl("https://mixed.example/hook")).rejects.toMatchObject({
      code: "DESTINATION_TARGET_REFUSED",
      details: { addresses: ["10.0.0.5"] },
    });
    await expect(guard.checkUrl("https://public.example/hook")).resolves.toBeUndefined();
    await expect(guard.checkUrl("http://127.0.0.1:9000/")).rejects.toMatchObject({
      code: "DESTINATION_TARGET_REFUSED",
    });
    await expect(guard.checkUrl("http://[::1]:9000/")).rejects.toMatchObject({
      code: "DESTINATION_TARGET_REFUSED",
    });
    await expect(guard.checkUrl("http://169.254.169.254/latest/meta-data")).rejects.toMatchObject({
      code: "DESTINATION_TARGET_REFUSED",
    });
    await expect(guard.checkUrl("ftp://public.example/")).rejects.toThrow(/http or https/);
    await expect(guard.checkUrl("https://nowhere.example/")).rejects.toThrow(/does not resolve/);
  });

  it("lets the allow-list name private hosts and CIDRs, or allow every private target", async () => {
    const answers = resolver({ "alerts.internal": ["10.20.0.7"], "other.internal": ["10.30.0.1"] });
    const guard = createTargetGuard(
      { allowPrivate: false, allowedHosts: ["alerts.internal", "10.40.0.0/16"] },
      answers,
    );
    await expect(guard.checkUrl("http://alerts.internal/hook")).resolves.toBeUndefined();
    await expect(guard.checkUrl("http://10.40.3.4/hook")).resolves.toBeUndefined();
    await expect(guard.checkUrl("http://other.internal/hook")).rejects.toMatchObject({
      code: "DESTINATION_TARGET_REFUSED",
    });
    const open = createTargetGuard({ allowPrivate: true, allowedHosts: [] }, answers);
    await expect(open.checkUrl("http://127.0.0.1:9000/")).resolves.toBeUndefined();
  });
});
