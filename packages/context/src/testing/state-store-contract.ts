import { describe, expect, it } from "vitest";
import type { AddressState, GlobalState, Observation } from "../address-state.ts";
import type { AddressStateStore } from "../state-store.ts";
import { observeSnapshots } from "./observe-snapshots.ts";

const A = `0x${"a".repeat(40)}`;
const B = `0x${"b".repeat(40)}`;
const C = `0x${"c".repeat(40)}`;
let hashCounter = 0;
const nextHash = () => `0x${(++hashCounter).toString(16).padStart(64, "0")}`;

const tx = (from: string | null, to: string | null, timestamp: number, valueLog10Eth: number | null = 0) =>
  ({ hash: nextHash(), from, to, timestamp, valueLog10Eth, isCall: false }) satisfies Observation;

const viewless = (observation: Observation): Observation => ({ ...observation, viewNeeded: false });

/** An address's record before anything happened to it, first seen at `timestamp`. */
const EMPTY_AT = (timestamp: number): AddressState => ({
  firstSeen: timestamp,
  outCount: 0,
  outLast: timestamp,
  outBurst: 0,
  outEpisodePeak: 0,
  outPeak: 0,
  outDistinct: 0,
  outNewBurst: 0,
  outNewEpisodePeak: 0,
  outNewPeak: 0,
  valueCount: 0,
  valueMean: 0,
  valueVar: 0,
  inCount: 0,
  inLast: timestamp,
  inDistinct: 0,
  inNewBurst: 0,
  inNewEpisodePeak: 0,
  inNewPeak: 0,
  inUnusualBurst: 0,
  jumpCount: 0,
  jumpPeakZ: 0,
  jumpEpisodeCount: 0,
  jumpEpisodePeakZ: 0,
  jumpLast: 0,
  outFresh: 0,
});

const EMPTY_GLOBAL: GlobalState = {
  newSenderCount: 0,
  newSenderMean: 0,
  newSenderVar: 0,
  recipientCount: 0,
  freshRecipientShare: 0,
  withinCount: 0,
  withinVar: 0,
  fanInPaymentCount: 0,
  unusualShare: 0,
  senderTxCount: 0,
  newSenderShare: 0,
};

/**
 * What every AddressStateStore must do, with expected values written out: run against the in-process store
 * (unit) and the Redis store (integration). `fresh` gives a store with empty state each time.
 */
export function describeStateStoreContract(name: string, fresh: () => Promise<AddressStateStore>): void {
  describe(`${name}: address state contract`, () => {
    it("applies a batch in order: each transaction sees the ones before it, not itself", async () => {
      const store = await fresh();
      const [first, second, third] = await observeSnapshots(store, [
        tx(A, B, 1_000),
        tx(A, C, 1_060),
        tx(A, B, 1_120),
      ]);
      expect(first?.sender).toBeNull();
      expect(first?.recipient).toBeNull();
      expect(first?.pairSeen).toBe(false);
      expect(second?.sender?.outCount).toBe(1);
      expect(second?.sender?.outDistinct).toBe(1);
      expect(second?.sender?.firstSeen).toBe(1_000);
      expect(second?.recipient).toBeNull();
      expect(second?.pairSeen).toBe(false);
      expect(third?.sender?.outCount).toBe(2);
      expect(third?.sender?.outDistinct).toBe(2);
      expect(third?.sender?.outLast).toBe(1_060);
      expect(third?.pairSeen).toBe(true);
      expect(third?.recipient?.inCount).toBe(1);
      expect(third?.recipient?.inDistinct).toBe(1);
      expect([first, second, third].map((snapshot) => snapshot?.applied)).toEqual([true, true, true]);
    });

    it("peeks at an address's current state without changing it", async () => {
      const store = await fresh();
      expect(await store.peek(A)).toBeNull();
      await store.observe([tx(A, B, 8_000), tx(A, C, 8_030)]);
      expect((await store.peek(A.toUpperCase().replace("0X", "0x")))?.outCount).toBe(2);
      expect((await store.peek(B))?.inCount).toBe(1);
      expect((await store.peek(A))?.outCount).toBe(2);
    });

    it("never applies a redelivered hash twice, within a batch or across batches", async () => {
      const store = await fresh();
      const once = tx(A, B, 2_000);
      const [, duplicate] = await observeSnapshots(store, [once, once]);
      expect(duplicate?.applied).toBe(false);
      const redelivered = await observeSnapshots(store, [once, tx(A, C, 2_010)]);
      expect(redelivered[0]?.applied).toBe(false);
      expect(redelivered[1]?.sender?.outCount).toBe(1);
    });

    it("answers a viewless observation of an applied hash with applied: false and changes nothing", async () => {
      const store = await fresh();
      const once = tx(A, B, 21_000, 0);
      await store.observe([once]);
      expect(await store.observe([viewless(once), viewless(once)])).toEqual([
        { applied: false, viewless: true },
        { applied: false, viewless: true },
      ]);
      // As after `once` alone: one payment A → B at 21 000 of 1 ETH (log10 0), both addresses new.
      expect(await store.peek(A)).toEqual({
        ...EMPTY_AT(21_000),
        outCount: 1,
        outBurst: 1,
        outEpisodePeak: 1,
        outDistinct: 1,
        outNewBurst: 1,
        outNewEpisodePeak: 1,
        valueCount: 1,
        outFresh: 1,
      });
      expect(await store.peek(B)).toEqual({
        ...EMPTY_AT(21_000),
        inCount: 1,
        inDistinct: 1,
        inNewBurst: 1,
        inNewEpisodePeak: 1,
      });
      const later = tx(A, B, 21_010, null);
      const [probe] = await observeSnapshots(store, [later]);
      expect(probe?.pairSeen).toBe(true);
      expect(probe?.global).toEqual({
        ...EMPTY_GLOBAL,
        newSenderCount: 1,
        recipientCount: 1,
        freshRecipientShare: 1,
        fanInPaymentCount: 1,
        senderTxCount: 1,
        newSenderShare: 1,
      });
      const [members] = await store.openIncidents([
        { side: "sender", address: A, marker: { id: "inc_v", triggerTimestamp: 21_010, surprise: 4 } },
      ]);
      expect(members).toEqual([
        { hash: once.hash, timestamp: 21_000 },
        { hash: later.hash, timestamp: 21_010 },
      ]);
    });

    it("applies a viewless observation of a new hash exactly as a viewed one, answering only applied: true", async () => {
      const store = await fresh();
      const first = tx(A, B, 20_000, 0);
      const unseen = tx(A, C, 20_060, 1);
      const [, reply] = await store.observe([first, viewless(unseen)]);
      expect(reply).toEqual({ applied: true, viewless: true });
      // The viewless payment counted: A sent twice (0 then 1 decade: 1 off, not a jump), C received once.
      expect(await store.peek(A)).toEqual({
        ...EMPTY_AT(20_000),
        outCount: 2,
        outLast: 20_060,
        outBurst: 1 + Math.exp(-60 / 600),
        outEpisodePeak: 1 + Math.exp(-60 / 600),
        outDistinct: 2,
        outNewBurst: 1 + Math.exp(-60 / 600),
        outNewEpisodePeak: 1 + Math.exp(-60 / 600),
        valueCount: 2,
        valueMean: 0.5,
        valueVar: 0.25,
        outFresh: 2,
      });
      // A's 1 decade after one amount at 0, by hand (amount-model.ts; the chain knows one new sender at 0 and
      // no within residual): centre −0.36, spread √(0.36 + 0.22392) + 0.15 = 0.914147, z = 1.4877: unusual
      // (≥ 1.2816), not a jump (< 2).
      expect(await store.peek(C)).toEqual({
        ...EMPTY_AT(20_060),
        inCount: 1,
        inDistinct: 1,
        inNewBurst: 1,
        inNewEpisodePeak: 1,
        inUnusualBurst: 1,
      });
      const third = tx(A, C, 20_120, null);
      const [again, toC] = await observeSnapshots(store, [unseen, third]);
      expect(again?.applied).toBe(false);
      expect(toC?.pairSeen).toBe(true);
      // New sender then known one: share 1, then 1 + ½(0 − 1); both recipients fresh; A's 2nd amount 1 off
      // its mean 0 (residual² 1·1/2); two fan-in payments, the 1st not unusual (A had no amount), the 2nd
      // unusual (above): share 0, then ½.
      expect(toC?.global).toEqual({
        ...EMPTY_GLOBAL,
        newSenderCount: 1,
        recipientCount: 2,
        freshRecipientShare: 1,
        withinCount: 1,
        withinVar: 0.5,
        fanInPaymentCount: 2,
        unusualShare: 0.5,
        senderTxCount: 2,
        newSenderShare: 0.5,
      });
      const [senderMembers, recipientMembers] = await store.openIncidents([
        { side: "sender", address: A, marker: { id: "inc_s", triggerTimestamp: 20_060, surprise: 4 } },
        { side: "recipient", address: C, marker: { id: "inc_r", triggerTimestamp: 20_060, surprise: 4 } },
      ]);
      expect(senderMembers).toEqual([
        { hash: first.hash, timestamp: 20_000 },
        { hash: unseen.hash, timestamp: 20_060 },
        { hash: third.hash, timestamp: 20_120 },
      ]);
      expect(recipientMembers).toEqual([{ hash: unseen.hash, timestamp: 20_060 }]);
    });

    it("keeps a mixed batch in order: each reply in its place, each transaction seeing the ones before", async () => {
      const store = await fresh();
      const earlier = tx(A, B, 30_000, null);
      await store.observe([earlier]);
      const replies = await store.observe([
        tx(A, C, 30_010, null),
        viewless(earlier),
        tx(A, B, 30_020, null),
        viewless(tx(B, C, 30_030, null)),
        tx(C, A, 30_040, null),
        earlier,
      ]);
      const snapshot = (index: number) => {
        const reply = replies[index];
        if (reply === undefined || "viewless" in reply) throw new Error(`reply ${index} is no snapshot`);
        return reply;
      };
      expect(replies.map((reply) => ("viewless" in reply ? "viewless" : "snapshot"))).toEqual([
        "snapshot",
        "viewless",
        "snapshot",
        "viewless",
        "snapshot",
        "snapshot",
      ]);
      expect(replies.map((reply) => reply.applied)).toEqual([true, false, true, true, true, false]);
      expect(snapshot(0).sender?.outCount).toBe(1);
      expect(snapshot(0).recipient).toBeNull();
      expect(snapshot(2).sender?.outCount).toBe(2);
      expect(snapshot(2).recipient?.inCount).toBe(1);
      expect(snapshot(2).pairSeen).toBe(true);
      // C was paid by A and by the viewless B → C; it never sent.
      expect(snapshot(4).sender?.inCount).toBe(2);
      expect(snapshot(4).sender?.outCount).toBe(0);
      expect(snapshot(4).recipient?.outCount).toBe(3);
      expect(snapshot(4).pairSeen).toBe(false);
      expect(snapshot(5).sender?.outCount).toBe(3);
      expect(snapshot(5).sender?.inCount).toBe(1);
      expect(snapshot(5).recipient?.inCount).toBe(2);
      expect(snapshot(5).recipient?.outCount).toBe(1);
      expect(snapshot(5).global.senderTxCount).toBe(5);
    });

    it("keeps value statistics in log10 ETH, skipping zero-value transactions", async () => {
      const store = await fresh();
      const snapshots = await observeSnapshots(store, [
        tx(A, B, 3_000, -1),
        tx(A, B, 3_010, null),
        tx(A, B, 3_020, 0),
        tx(A, B, 3_030, 0),
      ]);
      // −1 then 0 (1 decade up: z 1.09 against the priors, not a jump): mean −0.5, variance ½·(0 + ½·1).
      const last = snapshots[3]?.sender;
      expect(last?.valueCount).toBe(2);
      expect(last?.valueMean).toBeCloseTo(-0.5, 12);
      expect(last?.valueVar).toBeCloseTo(0.25, 12);
      expect(last?.outCount).toBe(3);
    });

    it("clips an outlier's pull on the amounts from the third on, and learns the within-address spread", async () => {
      const store = await fresh();
      const snapshots = await observeSnapshots(store, [
        tx(A, B, 13_000, 0),
        tx(A, B, 13_010, 1),
        tx(A, B, 13_020, 1),
        tx(B, C, 13_030, 0),
        tx(C, B, 13_040, 0),
        tx(C, B, 13_050, 0),
        tx(C, B, 13_060, 0),
        tx(C, B, 13_070, 1.2),
        tx(C, A, 13_080, null),
      ]);
      // A's 2nd amount is 1 off its mean 0: residual² 1·1/2 = 0.5; its 3rd is 0.5 off the mean 0.5:
      // 0.25·2/3 = 1/6; B's first amount teaches nothing. Mean of the two (weights 1, then 1/2): 1/3.
      expect(snapshots[4]?.global.withinCount).toBe(2);
      expect(snapshots[4]?.global.withinVar).toBeCloseTo(1 / 3, 12);
      // C: three zeros (variance 0), then 1.2 decades up (z 1.911 < 3, see below: not a jump): moved as if
      // 3 × 0.3 = 0.9 off. Mean 0.9/4 = 0.225, variance (3/4)(0 + 0.81/4) = 0.151875 (unclipped 0.3, 0.27).
      expect(snapshots[8]?.sender?.valueMean).toBeCloseTo(0.225, 12);
      expect(snapshots[8]?.sender?.valueVar).toBeCloseTo(0.151875, 12);
    });

    it("keeps a jump out of the amounts, and counts it once its episode has ended", async () => {
      const store = await fresh();
      const snapshots = await observeSnapshots(store, [
        tx(A, B, 15_000, 0),
        tx(A, B, 15_010, 1),
        tx(A, B, 15_020, 1),
        tx(B, C, 15_030, 0),
        tx(C, B, 15_040, 0),
        tx(C, B, 15_050, 0),
        tx(C, B, 15_060, 0),
        tx(C, B, 15_070, 3),
        tx(C, B, 15_080, 0),
        tx(C, B, 16_871, 0),
        tx(C, B, 16_872, 0),
      ]);
      // The chain as in the clipping case above. C's 4th amount by hand (amount-model.ts): new senders'
      // reference −20/23 ± 20/23, chain within-variance (4·1/6 + 20·0.36)/24 = 0.327778, C's σ² 0.218519,
      // τ² 0.541787, centre −0.103052, spread 0.681720: z = 4.551801 ≥ 3, a jump.
      const afterJump = snapshots[8]?.sender;
      expect(afterJump?.valueCount).toBe(3);
      expect(afterJump?.valueMean).toBe(0);
      expect(afterJump?.valueVar).toBe(0);
      expect(afterJump?.jumpEpisodeCount).toBe(1);
      expect(afterJump?.jumpEpisodePeakZ).toBeCloseTo(4.551801, 5);
      expect(afterJump?.jumpLast).toBe(15_070);
      expect(afterJump?.jumpCount).toBe(0);
      // 1,801 s after the jump (an episode gap of 1,800 s): the jump becomes part of what C does.
      const settled = snapshots[10]?.sender;
      expect(settled?.jumpCount).toBe(1);
      expect(settled?.jumpPeakZ).toBeCloseTo(4.551801, 5);
      expect(settled?.jumpEpisodeCount).toBe(0);
      expect(settled?.jumpEpisodePeakZ).toBe(0);
    });

    it("counts payments to never-seen addresses per sender, and how often a sender is new", async () => {
      const store = await fresh();
      const D = `0x${"d".repeat(40)}`;
      const snapshots = await observeSnapshots(store, [
        tx(A, B, 16_000),
        tx(A, C, 16_010),
        tx(A, B, 16_020),
        tx(B, A, 16_030),
        tx(A, D, 16_040),
      ]);
      // A paid B and C when nobody had seen them, then B again.
      expect(snapshots[4]?.sender?.outFresh).toBe(2);
      // B was seen as a recipient but had never sent: a new sender. New, old, old, new: 1, 1/2, 1/3, 1/2.
      expect(snapshots[4]?.global.senderTxCount).toBe(4);
      expect(snapshots[4]?.global.newSenderShare).toBeCloseTo(0.5, 12);
      expect(snapshots[4]?.sender?.outCount).toBe(3);
    });

    it("counts fan-in payments that are unusually large for their senders", async () => {
      const store = await fresh();
      const D = `0x${"d".repeat(40)}`;
      const snapshots = await observeSnapshots(store, [
        tx(A, B, 14_000, 0),
        tx(A, B, 14_010, 0),
        tx(A, D, 14_020, 2),
        tx(C, D, 14_030, null),
      ]);
      // A's two 1 ETH payments; then 100 ETH to D, new to it. By hand (amount-model.ts, chain priors plus
      // one new sender at 0 and one within residual of 0): centre −0.174927, spread 0.771481, so z = 2.819
      // ≥ 1.2816: unusual. B's first payment was a fan-in member too (A had no amount yet: not unusual).
      expect(snapshots[3]?.recipient?.inUnusualBurst).toBeCloseTo(1, 12);
      expect(snapshots[3]?.recipient?.inNewBurst).toBeCloseTo(1, 12);
      expect(snapshots[3]?.global.fanInPaymentCount).toBe(2);
      expect(snapshots[3]?.global.unusualShare).toBeCloseTo(0.5, 12);
      expect(snapshots[2]?.global.unusualShare).toBe(0);
    });

    it("decays bursts with a 10-minute time constant and remembers completed episodes", async () => {
      const store = await fresh();
      const snapshots = await observeSnapshots(store, [
        tx(A, B, 10_000),
        tx(A, B, 10_600),
        tx(A, B, 20_000),
        tx(A, B, 20_001),
      ]);
      // stored as of the previous transaction: 1 at 10 000, then 1·e^-1 + 1 at 10 600
      expect(snapshots[1]?.sender?.outBurst).toBeCloseTo(1, 12);
      expect(snapshots[2]?.sender?.outBurst).toBeCloseTo(1.3678794411714423, 9);
      expect(snapshots[2]?.sender?.outPeak).toBe(0);
      // the 9 400 s gap ended the first episode: its peak became the address's
      expect(snapshots[3]?.sender?.outPeak).toBeCloseTo(1.3678794411714423, 9);
    });

    it("counts fan-out to new recipients and fan-in from new senders", async () => {
      const store = await fresh();
      const snapshots = await observeSnapshots(store, [
        tx(A, C, 4_000),
        tx(B, C, 4_000),
        tx(A, C, 4_000),
        tx(B, A, 4_000),
      ]);
      expect(snapshots[2]?.recipient?.inDistinct).toBe(2);
      expect(snapshots[2]?.recipient?.inNewBurst).toBeCloseTo(2, 12);
      expect(snapshots[2]?.pairSeen).toBe(true);
      expect(snapshots[3]?.sender?.outNewBurst).toBeCloseTo(1, 12);
      // A was first seen as a sender at 4 000; as a recipient it is not new
      expect(snapshots[3]?.recipient?.firstSeen).toBe(4_000);
      expect(snapshots[3]?.recipient?.inCount).toBe(0);
    });

    it("updates one record in both roles for a self-transfer, and handles contract creations", async () => {
      const store = await fresh();
      const snapshots = await observeSnapshots(store, [tx(A, A, 5_000), tx(A, null, 5_010), tx(A, B, 5_020)]);
      expect(snapshots[1]?.sender?.outCount).toBe(1);
      expect(snapshots[1]?.sender?.inCount).toBe(1);
      expect(snapshots[1]?.recipient).toBeNull();
      expect(snapshots[2]?.sender?.outCount).toBe(2);
    });

    it("keeps the chain-wide reference of new senders' first values", async () => {
      const store = await fresh();
      const snapshots = await observeSnapshots(store, [
        tx(A, C, 6_000, 2),
        tx(B, C, 6_001, 0),
        tx(A, C, 6_002, 5),
        tx(C, A, 6_003, 1),
      ]);
      expect(snapshots[3]?.global.newSenderCount).toBe(2);
      expect(snapshots[3]?.global.newSenderMean).toBeCloseTo(1, 12);
      expect(snapshots[3]?.global.newSenderVar).toBeCloseTo(1, 12);
    });

    it("two writers at once lose no update and apply each hash once", async () => {
      const [one, two] = [await fresh(), undefined];
      void two;
      const batches = Array.from({ length: 8 }, (_, batch) =>
        Array.from({ length: 25 }, (_, i) => tx(A, i % 2 === 0 ? B : C, 7_000 + batch * 25 + i)),
      );
      // each batch delivered twice, concurrently, as two workers would after a rebalance
      await Promise.all([...batches, ...batches].map((batch) => one.observe(batch)));
      const [after] = await observeSnapshots(one, [tx(A, B, 9_000)]);
      expect(after?.sender?.outCount).toBe(200);
      expect(after?.sender?.outDistinct).toBe(2);
    });

    it("remembers each side's episode members, bounded, and hands open incidents to later snapshots", async () => {
      const store = await fresh();
      const call = { ...tx(C, B, 11_005), isCall: true };
      const first = tx(A, B, 11_000);
      const repeat = tx(A, B, 11_010);
      const fresh1 = tx(`0x${"d".repeat(40)}`, B, 11_020);
      await store.observe([first, call, repeat, fresh1, first]);
      const [senderMembers, recipientMembers, nobody] = await store.openIncidents([
        { side: "sender", address: A, marker: { id: "inc_a", triggerTimestamp: 11_010, surprise: 4.25 } },
        { side: "recipient", address: B, marker: { id: "inc_b", triggerTimestamp: 11_020, surprise: 5.5 } },
        {
          side: "sender",
          address: `0x${"e".repeat(40)}`,
          marker: { id: "inc_e", triggerTimestamp: 1, surprise: 4 },
        },
      ]);
      // A sent twice (the redelivered first counts once). B's fan-in members: plain payments from senders
      // new to it, so A's first (not its repeat) and D's; C's call is not one.
      expect(senderMembers).toEqual([
        { hash: first.hash, timestamp: 11_000 },
        { hash: repeat.hash, timestamp: 11_010 },
      ]);
      expect(recipientMembers).toEqual([
        { hash: first.hash, timestamp: 11_000 },
        { hash: fresh1.hash, timestamp: 11_020 },
      ]);
      expect(nobody).toEqual([]);
      const [next] = await observeSnapshots(store, [tx(A, B, 11_030)]);
      expect(next?.senderIncident).toEqual({ id: "inc_a", triggerTimestamp: 11_010, surprise: 4.25 });
      expect(next?.recipientIncident).toEqual({ id: "inc_b", triggerTimestamp: 11_020, surprise: 5.5 });

      const many = Array.from({ length: 70 }, (_, i) => tx(C, A, 12_000 + i));
      await store.observe(many);
      const [kept] = await store.openIncidents([
        { side: "sender", address: C, marker: { id: "inc_c", triggerTimestamp: 12_069, surprise: 4 } },
      ]);
      expect(kept?.length).toBe(64);
      expect(kept?.[0]).toEqual({ hash: many[6]?.hash, timestamp: 12_006 });
      expect(kept?.[63]).toEqual({ hash: many[69]?.hash, timestamp: 12_069 });
    });
  });
}
