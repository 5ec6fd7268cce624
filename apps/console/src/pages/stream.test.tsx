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
  });
});
