import { z } from "zod";
import { type Alert, AlertLevelSchema, levelRank } from "./alert.ts";

const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "0x followed by 40 hex characters")
  .transform((address) => address.toLowerCase());

/**
 * A mute (snooze) of one address (as sender or recipient) or one reason code until a time. An alert is
 * held back when one of its addresses is muted, or when every reason it has is muted: a muted reason does
 * not silence an alert that also has another one.
 */
export const MuteSchema = z
  .object({
    address: Address.optional(),
    reasonCode: z.string().min(1).max(100).optional(),
    until: z.iso.datetime({ offset: true }),
    note: z.string().max(500).optional(),
  })
  .refine((mute) => (mute.address === undefined) !== (mute.reasonCode === undefined), {
    message: "a mute names either an address or a reasonCode",
  });
export type Mute = z.infer<typeof MuteSchema>;

/**
 * How many messages a destination receives per window. When more alerts are due than the window has
 * messages left, the window's last message is a digest summarising all of them (at most
 * ALERT_DIGEST_MAX_ALERTS); alerts past the last message wait for the next window. Nothing is dropped.
 */
export const RateCapSchema = z.object({
  maxPerWindow: z.number().int().min(1).max(10_000),
  windowSeconds: z.number().int().min(1).max(86_400),
});
export type RateCap = z.infer<typeof RateCapSchema>;

/**
 * What a destination receives. Every filter that is set must pass: the alert's level at least `minLevel`;
 * one of its reasons has a code in `reasonCodes` (or a kind in `reasonKinds`); its sender or recipient is
 * in `addresses`; its chain in `chainIds`. Unset filters pass everything.
 */
export const PolicySchema = z.object({
  minLevel: AlertLevelSchema.default("low"),
  reasonCodes: z.array(z.string().min(1).max(100)).max(100).optional(),
  reasonKinds: z
    .array(z.enum(["model", "context", "label", "rule"]))
    .max(4)
    .optional(),
  addresses: z.array(Address).max(1_000).optional(),
  chainIds: z.array(z.number().int().positive()).max(50).optional(),
  rateCap: RateCapSchema.optional(),
  mutes: z.array(MuteSchema).max(100).default([]),
});
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

export type PolicyDecision = "send" | "filtered" | "muted";

const activeReasons = (alert: Alert) => alert.reasons.filter((reason) => !reason.suppressed);

export function decide(alert: Alert, policy: Policy, now: Date): PolicyDecision {
  if (levelRank(alert.level) < levelRank(policy.minLevel)) return "filtered";
  if (policy.chainIds && !policy.chainIds.includes(alert.chainId)) return "filtered";
  const reasons = activeReasons(alert);
  if (policy.reasonCodes && !reasons.some((reason) => policy.reasonCodes?.includes(reason.code)))
    return "filtered";
  if (
    policy.reasonKinds &&
    !reasons.some((reason) => policy.reasonKinds?.some((kind) => kind === reason.kind))
  )
    return "filtered";
  const addresses = [alert.from, alert.to].filter((address): address is string => address !== null);
  if (policy.addresses && !addresses.some((address) => policy.addresses?.includes(address)))
    return "filtered";

  const mutes = policy.mutes.filter((mute) => Date.parse(mute.until) > now.getTime());
  if (mutes.some((mute) => mute.address !== undefined && addresses.includes(mute.address))) return "muted";
  const mutedCodes = new Set(mutes.flatMap((mute) => (mute.reasonCode ? [mute.reasonCode] : [])));
  if (reasons.length > 0 && reasons.every((reason) => mutedCodes.has(reason.code))) return "muted";
  return "send";
}
