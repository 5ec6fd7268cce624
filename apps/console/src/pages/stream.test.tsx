import type { StreamStatus } from "@chainwatch/client";
import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeGateway, renderWithGateway } from "../testing/render.tsx";
import { StreamPage } from "./stream.tsx";

const kafka: StreamStatus = {
  mode: "kafka",
  topic: "chainwatch.transactions.v1",
  groupId: "chainwatch-scoring",
  state: "Stable",
  members: [
    { memberId: "m-1", clientId: "worker-a", host: "/10.0.0.1", partitions: [0] },
    { memberId: "m-2", clientId: "worker-b", host: "/10.0.0.2", partitions: [1] },
  ],
  partitions: [
    { partition: 0, committedOffset: "1200", highWatermark: "1250", lag: 50, memberId: "m-1" },
    { partition: 1, committedOffset: null, highWatermark: "7", lag: 7, memberId: null },
  ],
  totalLag: 57,
  throughput: { windowSeconds: 30, consumedPerSecond: 412.25, producedPerSecond: 410 },
  sampledAt: "2026-12-07T08:00:00.000Z",
};

describe("stream status", () => {
  it("shows Kafka mode's group, lag per partition and the member reading it", async () => {
    renderWithGateway(
      <StreamPage pollMs={60_000} />,
      fakeGateway({ "GET /api/v1/stream/status": () => ({ body: kafka }) }),
    );
    await screen.findByText("57 messages");
    expect(screen.getByText("chainwatch-scoring (Stable, 2 members)")).toBeTruthy();
    expect(screen.getByText("412.3 consumed/s, 410.0 produced/s over 30 s")).toBeTruthy();
    const rows = screen
      .getAllByRole("row")
      .slice(1)
      .map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent));
    expect(rows).toEqual([
      ["0", "worker-a", "1200", "1250", "50"],
      ["1", "unassigned", "–", "7", "7"],
    ]);
  });

  it("shows embedded mode's totals and says when throughput is not measured yet", async () => {
    const embedded: StreamStatus = {
      mode: "embedded",
      description: "scored in process",
      totals: { accepted: 421, rejected: 3 },
      throughput: null,
      sampledAt: "2026-12-07T08:00:00.000Z",
    };
    renderWithGateway(
      <StreamPage pollMs={60_000} />,
      fakeGateway({ "GET /api/v1/stream/status": () => ({ body: embedded }) }),
    );
    await screen.findByText("421");
    expect(screen.getByText("3")).toBeTruthy();
    expect(screen.getByText("not measured yet (needs two samples)")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByText(/This gateway follows no chain \(CHAIN_RPC_URL is not set\)/)).toBeTruthy();
  });

  it("shows the chain follower's head, processed block, lag and reorgs when the gateway follows a chain", async () => {
    const embedded: StreamStatus = {
      mode: "embedded",
      description: "scored in process",
      totals: { accepted: 10, rejected: 0 },
      throughput: null,
      chain: {
        chainId: 1,
        isRunning: true,
        headBlock: 21_000_012,
        processedBlock: 21_000_009,
        processedHash: `0x${"ab".repeat(32)}`,
        lagBlocks: 3,
        lagSeconds: 185,
        reorgs: 2,
        lastReorgDepth: 4,
        lastError: "eth_getBlockByNumber timed out after 10000 ms",
        subscription: "disconnected",
        mempool: { tracked: 12, seen: 40, mined: 25, replaced: 2, dropped: 1, skipped: 0 },
      },
      sampledAt: "2026-12-07T08:00:00.000Z",
    };
    renderWithGateway(
      <StreamPage pollMs={60_000} />,
      fakeGateway({ "GET /api/v1/stream/status": () => ({ body: embedded }) }),
    );
    const chain = await screen.findByLabelText("Chain follower");
    const pairs = [...chain.querySelectorAll("dt")].map((term) => [
      term.textContent,
      term.nextElementSibling?.textContent,
    ]);
    expect(pairs).toEqual([
      ["chain", "1 (following)"],
      ["head block", "21000012"],
      ["processed block", `21000009 0x${"ab".repeat(32)}`],
      ["lag", "3 blocks, 3 min 5 s behind"],
      ["reorgs", "2 (last 4 blocks deep)"],
      ["new heads", "polled until the WebSocket is back"],
      ["mempool", "12 pending now; 40 scored while pending: 25 mined, 2 replaced, 1 dropped, 0 skipped"],
    ]);
    expect(screen.getByRole("alert").textContent).toBe(
      "The last round failed: eth_getBlockByNumber timed out after 10000 ms",
    );
  });

  it("says where a chain's status lives in Kafka mode", async () => {
    renderWithGateway(
      <StreamPage pollMs={60_000} />,
      fakeGateway({ "GET /api/v1/stream/status": () => ({ body: kafka }) }),
    );
    await screen.findByText(/each chain is followed by its own chain-follower process/);
    expect(screen.queryByLabelText("Chain follower")).toBeNull();
  });
});
