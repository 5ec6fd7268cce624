import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ScoreChart } from "./score-chart.tsx";

describe("score over time", () => {
  it("places each score by time (oldest left) on a fixed 0–1 axis, anomalies larger", () => {
    render(
      <ScoreChart
        points={[
          { id: "0x0", at: "2026-12-07T10:00:00.000Z", score: 1, isAnomaly: true },
          { id: "0x1", at: "2026-12-07T08:00:00.000Z", score: 0, isAnomaly: false },
          { id: "0x2", at: "2026-12-07T09:00:00.000Z", score: 0.5, isAnomaly: false },
          { id: "0x3", at: "2026-12-07T09:30:00.000Z", score: null, isAnomaly: false },
        ]}
      />,
    );
    const chart = screen.getByRole("img");
    // 300 × 80 with 6 of padding: x from 6 to 294, y from 74 (score 0) to 6 (score 1).
    const circles = [...chart.querySelectorAll("circle")].map((circle) => [
      circle.getAttribute("cx"),
      circle.getAttribute("cy"),
      circle.getAttribute("r"),
    ]);
    expect(circles).toEqual([
      ["6.0", "74.0", "2.5"],
      ["150.0", "40.0", "2.5"],
      ["294.0", "6.0", "4"],
    ]);
    expect(chart.querySelector("polyline")?.getAttribute("points")).toBe("6.0,74.0 150.0,40.0 294.0,6.0");
    expect(chart.getAttribute("aria-label")).toMatch(
      /^Risk score of 3 transactions from .+ to .+: highest 1.00, 1 flagged as anomalies$/,
    );
  });

  it("draws nothing without a scored transaction", () => {
    const { container } = render(
      <ScoreChart points={[{ id: "0x0", at: "2026-12-07T08:00:00.000Z", score: null, isAnomaly: false }]} />,
    );
    expect(container.innerHTML).toBe("");
  });
});
