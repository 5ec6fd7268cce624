import { createLogger } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import type { Reason } from "../reasons.ts";
import { combineVerdict } from "../verdict.ts";
import { applyLabels } from "./label-reasons.ts";
import { rescreenVerdict } from "./rescreen.ts";
import { createScreeningSet, type ScreeningEntry, type SuppressionEntry } from "./screening-set.ts";

const EXCHANGE = `0x${"e".repeat(40)}`;
const PHISHER = `0x${"f".repeat(40)}`;
const USER = `0x${"1".repeat(40)}`;
const entry = (
  address: string,
  listKind: ScreeningEntry["listKind"],
  extra: Partial<ScreeningEntry> = {},
) => ({
  address,
  chainId: 1,
  listId: listKind === "allow" ? "exchanges" : "phishing",
  listKind,
  category: listKind === "allow" ? "exchange" : "phishing",
  source: "test",
  confidence: 1,
  expiresAt: null,
  ...extra,
});
const logger = createLogger({ name: "t", level: "silent" });

function screeningOf(entries: ScreeningEntry[], now = () => Date.parse("2026-01-01T00:00:00Z")) {
  let revision = 1;
  let current = entries;
  const set = createScreeningSet({
    snapshot: async () => ({ revision, entries: current }),
    revision: async () => revision,
    intervalMs: 60_000,
    logger,
    now,
  });
  return {
    set,
    change(next: ScreeningEntry[]) {
      current = next;
      revision++;
    },
  };
}

const burst: Reason = { kind: "context", code: "sender_burst", message: "b", surprise: 6, data: {} };
const fanIn: Reason = { kind: "context", code: "recipient_fan_in", message: "f", surprise: 4, data: {} };
const model: Reason = { kind: "model", code: "model_outlier", message: "m", surprise: 2, data: {} };

describe("screening lists", () => {
  it("finds both parties' labels, skips expired ones, and reloads only when the revision moves", async () => {
    const { set, change } = screeningOf([
      entry(PHISHER, "deny"),
      entry(EXCHANGE, "allow"),
      entry(USER, "watch", { expiresAt: "2025-12-31T23:59:59Z" }),
    ]);
    await set.start();
    set.stop();
    expect(set.screen(EXCHANGE, PHISHER).map((hit) => [hit.role, hit.listKind])).toEqual([
      ["from", "allow"],
      ["to", "deny"],
    ]);
    expect(set.screen(USER, null)).toEqual([]);
    expect(set.screen(PHISHER, PHISHER).map((hit) => hit.role)).toEqual(["from"]);
    expect(await set.refresh()).toBe(false);
    change([entry(USER, "deny")]);
    expect(await set.refresh()).toBe(true);
    expect(set.screen(USER, PHISHER).map((hit) => [hit.role, hit.address])).toEqual([["from", USER]]);
  });

  it("a deny label flags at least high, naming its list; an allow label mutes that party's reasons", async () => {
    const { set } = screeningOf([entry(PHISHER, "deny"), entry(EXCHANGE, "allow")]);
    await set.start();
    set.stop();

    const denied = applyLabels([], set.screen(USER, PHISHER));
    const verdict = combineVerdict(denied.reasons, 0.9, denied.isDenied ? { atLeast: "high" } : {});
    expect(verdict).toMatchObject({ isAnomaly: true, riskLevel: "critical" });
    expect(verdict.reasons[0]?.message).toBe(
      "the recipient is on deny list phishing (phishing; source test)",
    );

    // a busy exchange wallet's burst and the model's outlier score are muted, kept as suppressed
    const allowed = applyLabels([burst, model, fanIn], set.screen(EXCHANGE, USER));
    const quiet = combineVerdict(allowed.reasons, 0.5, {});
    expect(quiet.isAnomaly).toBe(true);
    expect(quiet.reasons.map((reason) => [reason.code, reason.suppressed ?? false])).toEqual([
      ["recipient_fan_in", false],
      ["allow_listed", false],
      ["sender_burst", true],
      ["model_outlier", true],
    ]);
    const onlySender = combineVerdict(applyLabels([burst, model], set.screen(EXCHANGE, USER)).reasons);
    expect(onlySender).toMatchObject({ isAnomaly: false, riskScore: 0 });

    // a payment into the allowlisted exchange: the model's outlier and the exchange's fan-in are muted, the
    // paying sender's own burst is not
    const deposit = applyLabels([burst, model, fanIn], set.screen(USER, EXCHANGE));
    expect(deposit.reasons.map((reason) => [reason.code, reason.suppressed ?? false])).toEqual([
      ["sender_burst", false],
      ["model_outlier", true],
      ["recipient_fan_in", true],
      ["allow_listed", false],
    ]);

    // allowlisting the exchange never hides a deny-listed counterparty in the same transaction
    const both = applyLabels([burst], set.screen(EXCHANGE, PHISHER));
    const bothVerdict = combineVerdict(both.reasons, 0.5, both.isDenied ? { atLeast: "high" } : {});
    expect(bothVerdict.isAnomaly).toBe(true);
    expect(bothVerdict.reasons.map((reason) => reason.code)).toContain("deny_listed");
  });

  it("a party on both an allow and a deny list is not muted", async () => {
    const { set } = screeningOf([entry(EXCHANGE, "allow"), entry(EXCHANGE, "deny", { listId: "sanctions" })]);
    await set.start();
    set.stop();
    const applied = applyLabels([burst], set.screen(EXCHANGE, USER));
    expect(applied.isDenied).toBe(true);
    expect(applied.reasons[0]?.suppressed).toBeUndefined();
  });
});

const suppression = (
  address: string,
  reasonCode: string,
  extra: Partial<SuppressionEntry> = {},
): SuppressionEntry => ({
  suppressionId: "3",
  address,
  chainId: 1,
  reasonCode,
  expiresAt: "2026-02-01T00:00:00.000Z",
  anomalyId: "41",
  ...extra,
});

describe("reviewers' suppressions", () => {
  async function loaded(entries: ScreeningEntry[], suppressions: SuppressionEntry[]) {
    const set = createScreeningSet({
      snapshot: async () => ({ revision: 1, entries, suppressions }),
      revision: async () => 1,
      intervalMs: 60_000,
      logger,
      now: () => Date.parse("2026-01-01T00:00:00Z"),
    });
    await set.start();
    set.stop();
    return set;
  }

  it("are held per address with the party's role; expired and other-chain ones do not apply", async () => {
    const set = await loaded(
      [],
      [
        suppression(EXCHANGE, "sender_burst"),
        suppression(USER, "recipient_fan_in", { suppressionId: "4", expiresAt: "2025-12-31T00:00:00.000Z" }),
        suppression(USER, "model_outlier", { suppressionId: "5", chainId: 10 }),
      ],
    );
    expect(set.suppressionCount()).toBe(3);
    expect(set.suppressions(EXCHANGE, USER).map((hit) => [hit.suppressionId, hit.role])).toEqual([
      ["3", "from"],
    ]);
    expect(set.suppressions(USER, EXCHANGE).map((hit) => [hit.suppressionId, hit.role])).toEqual([
      ["3", "to"],
    ]);
    expect(set.suppressions(USER, null)).toEqual([]);
    expect(set.suppressions(USER, null, 10).map((hit) => hit.suppressionId)).toEqual(["5"]);
  });

  it("mute only the code on the party it describes, say so, and never touch a deny-listed party", async () => {
    const set = await loaded(
      [entry(PHISHER, "deny")],
      [
        suppression(EXCHANGE, "sender_burst"),
        suppression(USER, "sender_burst", { suppressionId: "6" }),
        suppression(PHISHER, "model_outlier", { suppressionId: "8" }),
      ],
    );
    const muted = applyLabels([burst, model, fanIn], [], set.suppressions(EXCHANGE, USER));
    expect(muted.reasons.map((reason) => [reason.code, reason.suppressed ?? false])).toEqual([
      ["sender_burst", true],
      ["model_outlier", false],
      ["recipient_fan_in", false],
      ["review_suppressed", false],
    ]);
    expect(muted.reasons.at(-1)).toEqual({
      kind: "rule",
      code: "review_suppressed",
      message:
        "sender_burst is suppressed for the sender until 2026-02-01T00:00:00.000Z (suppression 3, from the review of anomaly 41)",
      surprise: 0,
      data: {
        address: EXCHANGE,
        role: "from",
        reasonCode: "sender_burst",
        suppressionId: "3",
        anomalyId: "41",
        expiresAt: "2026-02-01T00:00:00.000Z",
      },
    });
    // USER's sender_burst suppression does not describe USER as a recipient: nothing muted, nothing said
    const other = applyLabels([burst, model], [], set.suppressions(null, USER));
    expect(other.reasons.map((reason) => reason.suppressed ?? false)).toEqual([false, false]);
    // a deny-listed party's suppression does not apply: its deny reason and the model's both count
    const denied = applyLabels([model], set.screen(USER, PHISHER), set.suppressions(USER, PHISHER));
    expect(denied.isDenied).toBe(true);
    expect(denied.reasons.map((reason) => [reason.code, reason.suppressed ?? false])).toEqual([
      ["model_outlier", false],
      ["deny_listed", false],
    ]);
  });
});

describe("re-screening a stored verdict", () => {
  const stored = [
    { ...burst, suppressed: true },
    model,
    { kind: "label", code: "allow_listed", message: "old", surprise: 0, data: {} },
    { not: "a reason" },
  ];

  it("undoes what screening did then and applies today's labels and suppressions", () => {
    const denyHit = { ...entry(PHISHER, "deny"), role: "to" as const };
    const verdict = rescreenVerdict(stored, [denyHit], [], 0.5);
    expect(verdict.isAnomaly).toBe(true);
    expect(verdict.riskLevel).toBe("critical");
    expect(verdict.reasons.map((reason) => [reason.code, reason.suppressed ?? false])).toEqual([
      ["sender_burst", false],
      ["deny_listed", false],
      ["model_outlier", false],
    ]);
    // the same stored verdict with the sender now allowlisted: both its reasons muted, not flagged
    const allowHit = { ...entry(EXCHANGE, "allow"), role: "from" as const };
    const allowed = rescreenVerdict(stored, [allowHit], [], 0.5);
    expect(allowed).toMatchObject({ isAnomaly: false, riskScore: 0, riskLevel: "low" });
    const muted = rescreenVerdict(stored, [], [{ ...suppression(USER, "sender_burst"), role: "from" }], 0.5);
    expect(muted.reasons.filter((reason) => reason.suppressed).map((reason) => reason.code)).toEqual([
      "sender_burst",
    ]);
  });
});
