import { describe, expect, it } from "vitest";
import { type Alert, alertFromAnomaly, alertMessageId } from "./alert.ts";
import { slackBody, slackDigestBody, webhookDigestBody } from "./render.ts";

const hash = `0x${"cd".repeat(32)}`;
const alert: Alert = alertFromAnomaly(
  {
    schemaVersion: 1,
    hash,
    modelVersion: "m1",
    isAnomaly: true,
    riskScore: 0.93,
    riskLevel: "critical",
    reasons: [
      {
        kind: "label",
        code: "deny_listed_recipient",
        message: "recipient is on a deny list",
        surprise: 6,
        data: {},
      },
    ],
    anomalyScore: 0.7,
    severity: "high",
    confidence: 0.5,
    explanation: [],
    scoredAt: "2026-12-07T08:00:00.000Z",
    source: { topic: "t", partition: 0, offset: "1" },
    transaction: {
      from: "0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      to: "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
      valueWei: "5",
      gas: "21000",
      gasPriceWei: "1",
      blockNumber: 7,
      timestamp: null,
    },
    features: {},
  },
  "https://chainwatch.example/",
);

describe("alert rendering", () => {
  it("takes the combined verdict, lower-cases addresses and links the transaction", () => {
    expect(alert.level).toBe("critical");
    expect(alert.riskScore).toBe(0.93);
    expect(alert.from).toBe("0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    expect(alert.link).toBe(`https://chainwatch.example/api/v1/transactions/${hash}`);
  });

  it("gives a stable webhook-id per destination and transaction", () => {
    expect(alertMessageId("dst_a", hash)).toBe(
      alertMessageId("dst_a", hash.toUpperCase().replace("0X", "0x")),
    );
    expect(alertMessageId("dst_a", hash)).not.toBe(alertMessageId("dst_b", hash));
    expect(alertMessageId("dst_a", hash)).toMatch(/^msg_[\w-]{32}$/);
  });

  it("writes a readable Slack message: level, risk, addresses, reasons and a link", () => {
    const body = JSON.parse(slackBody(alert)) as { text: string; blocks: { text: { text: string } }[] };
    expect(body.text).toBe("Chainwatch: critical risk anomaly 0xcdcdcdcd…cdcd");
    const section = body.blocks[1]?.text.text ?? "";
    expect(section).toContain("*CRITICAL* risk 0.93");
    expect(section).toContain(
      "from `0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` → to `0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`",
    );
    expect(section).toContain("• recipient is on a deny list (`deny_listed_recipient`)");
    expect(section).toContain(`<https://chainwatch.example/api/v1/transactions/${hash}|View transaction>`);
  });

  it("summarises N alerts in one digest", () => {
    const entries = Array.from({ length: 12 }, (_, index) => ({
      messageId: `msg_${index}`,
      alert: { ...alert, level: index < 2 ? ("low" as const) : ("critical" as const) },
    }));
    const slack = JSON.parse(slackDigestBody(entries)) as {
      text: string;
      blocks: { text: { text: string } }[];
    };
    expect(slack.text).toBe("Chainwatch: 12 anomalies (10 critical, 2 low) — rate cap reached, summarised");
    expect(slack.blocks[1]?.text.text).toContain("…and 2 more");
    const webhook = JSON.parse(webhookDigestBody(entries, new Date("2026-12-07T09:00:00.000Z"))) as {
      type: string;
      data: { count: number; alerts: unknown[]; items: { messageId: string }[] };
    };
    expect(webhook.type).toBe("anomaly.digest");
    expect(webhook.data.count).toBe(12);
    expect(webhook.data.alerts).toHaveLength(10);
    expect(webhook.data.items.map((item) => item.messageId)).toContain("msg_11");
  });
});
