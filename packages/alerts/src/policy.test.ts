import { describe, expect, it } from "vitest";
import type { Alert } from "./alert.ts";
import { decide, PolicySchema } from "./policy.ts";

const FROM = "0x1111111111111111111111111111111111111111";
const TO = "0x2222222222222222222222222222222222222222";
const alert: Alert = {
  hash: `0x${"ab".repeat(32)}`,
  chainId: 1,
  level: "high",
  riskScore: 0.9,
  anomalyScore: 0.8,
  modelVersion: "m1",
  scoredAt: "2026-12-07T08:00:00.000Z",
  from: FROM,
  to: TO,
  valueWei: "1000",
  blockNumber: 1,
  reasons: [
    { kind: "label", code: "deny_listed_recipient", message: "recipient is deny-listed" },
    { kind: "context", code: "new_counterparty", message: "first transfer between these addresses" },
  ],
  link: "http://localhost:8080/api/v1/transactions/0xab",
};
const now = new Date("2026-12-07T09:00:00.000Z");
const policy = (input: unknown) => PolicySchema.parse(input);

describe("destination policies", () => {
  it("passes everything by default", () => {
    expect(decide(alert, policy({}), now)).toBe("send");
  });

  it("filters by minimum level, chain, reason code and kind, and watched addresses (from or to)", () => {
    expect(decide(alert, policy({ minLevel: "critical" }), now)).toBe("filtered");
    expect(decide(alert, policy({ minLevel: "high" }), now)).toBe("send");
    expect(decide(alert, policy({ chainIds: [137] }), now)).toBe("filtered");
    expect(decide(alert, policy({ reasonCodes: ["mixer_funded"] }), now)).toBe("filtered");
    expect(decide(alert, policy({ reasonCodes: ["new_counterparty"] }), now)).toBe("send");
    expect(decide(alert, policy({ reasonKinds: ["model"] }), now)).toBe("filtered");
    expect(decide(alert, policy({ addresses: [TO.toUpperCase().replace("0X", "0x")] }), now)).toBe("send");
    expect(decide(alert, policy({ addresses: ["0x3333333333333333333333333333333333333333"] }), now)).toBe(
      "filtered",
    );
  });

  it("ignores suppressed reasons when matching codes", () => {
    const suppressed = {
      ...alert,
      reasons: [{ ...alert.reasons[0], suppressed: true } as Alert["reasons"][number]],
    };
    expect(decide(suppressed, policy({ reasonCodes: ["deny_listed_recipient"] }), now)).toBe("filtered");
  });

  it("mutes an address until its time, and a reason only when every reason is muted", () => {
    const until = "2026-12-07T10:00:00.000Z";
    expect(decide(alert, policy({ mutes: [{ address: FROM, until }] }), now)).toBe("muted");
    expect(
      decide(alert, policy({ mutes: [{ address: FROM, until: "2026-12-07T08:59:59.000Z" }] }), now),
    ).toBe("send");
    expect(decide(alert, policy({ mutes: [{ reasonCode: "new_counterparty", until }] }), now)).toBe("send");
    expect(
      decide(
        alert,
        policy({
          mutes: [
            { reasonCode: "new_counterparty", until },
            { reasonCode: "deny_listed_recipient", until },
          ],
        }),
        now,
      ),
    ).toBe("muted");
  });

  it("refuses a mute naming both or neither of address and reason", () => {
    const until = "2026-12-07T10:00:00.000Z";
    expect(PolicySchema.safeParse({ mutes: [{ until }] }).success).toBe(false);
    expect(PolicySchema.safeParse({ mutes: [{ address: FROM, reasonCode: "x", until }] }).success).toBe(
      false,
    );
  });
});
