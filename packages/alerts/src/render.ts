import type { Alert } from "./alert.ts";

/**
 * Message bodies per destination kind. Webhooks get the Standard Webhooks envelope
 * `{ type, timestamp, data }`; Slack-compatible incoming webhooks get `text` (shown in notifications) and
 * `blocks` (the readable message).
 */
export const ALERT_EVENT_TYPE = "anomaly.detected";
export const DIGEST_EVENT_TYPE = "anomaly.digest";
export const TEST_EVENT_TYPE = "alert.test";

/** A digest lists this many alerts in full; the rest are counted and named by hash and message id. */
export const DIGEST_DETAILED_ALERTS = 10;

export interface DigestEntry {
  messageId: string;
  alert: Alert;
}

export function webhookBody(type: string, alert: Alert, now: Date): string {
  return JSON.stringify({ type, timestamp: now.toISOString(), data: alert });
}

const LEVELS = ["critical", "high", "medium", "low"] as const;

function countByLevel(entries: readonly DigestEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const level of LEVELS) {
    const count = entries.filter((entry) => entry.alert.level === level).length;
    if (count > 0) counts[level] = count;
  }
  return counts;
}

export function webhookDigestBody(entries: readonly DigestEntry[], now: Date): string {
  return JSON.stringify({
    type: DIGEST_EVENT_TYPE,
    timestamp: now.toISOString(),
    data: {
      count: entries.length,
      byLevel: countByLevel(entries),
      alerts: entries.slice(0, DIGEST_DETAILED_ALERTS).map((entry) => entry.alert),
      // Every alert's own id, so a receiver that also got some of them singly can de-duplicate.
      items: entries.map((entry) => ({ messageId: entry.messageId, hash: entry.alert.hash })),
    },
  });
}

const short = (value: string | null) =>
  value === null ? "(none)" : `${value.slice(0, 10)}…${value.slice(-4)}`;

function alertLines(alert: Alert): string[] {
  const reasons = alert.reasons.filter((reason) => !reason.suppressed);
  return [
    `*${alert.level.toUpperCase()}* risk ${alert.riskScore.toFixed(2)} · tx \`${short(alert.hash)}\``,
    `from \`${alert.from ?? "(none)"}\` → to \`${alert.to ?? "(none)"}\``,
    ...(reasons.length > 0
      ? reasons.slice(0, 5).map((reason) => `• ${reason.message} (\`${reason.code}\`)`)
      : ["• flagged by the model (no reasons given)"]),
    `<${alert.link}|View transaction>`,
  ];
}

export function slackBody(alert: Alert, options: { isTest?: boolean } = {}): string {
  const headline = `${options.isTest ? "[TEST] " : ""}Chainwatch: ${alert.level} risk anomaly ${short(alert.hash)}`;
  return JSON.stringify({
    text: headline,
    blocks: [
      { type: "header", text: { type: "plain_text", text: headline.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: alertLines(alert).join("\n") } },
    ],
  });
}

export function slackDigestBody(entries: readonly DigestEntry[]): string {
  const byLevel = Object.entries(countByLevel(entries))
    .map(([level, count]) => `${count} ${level}`)
    .join(", ");
  const headline = `Chainwatch: ${entries.length} anomalies (${byLevel}) — rate cap reached, summarised`;
  const listed = entries
    .slice(0, DIGEST_DETAILED_ALERTS)
    .map(
      ({ alert }) =>
        `• *${alert.level}* ${alert.riskScore.toFixed(2)} <${alert.link}|${short(alert.hash)}> ${short(alert.from)} → ${short(alert.to)}`,
    );
  const more = entries.length - listed.length;
  return JSON.stringify({
    text: headline,
    blocks: [
      { type: "header", text: { type: "plain_text", text: headline.slice(0, 150) } },
      {
        type: "section",
        text: { type: "mrkdwn", text: [...listed, ...(more > 0 ? [`…and ${more} more`] : [])].join("\n") },
      },
    ],
  });
}
