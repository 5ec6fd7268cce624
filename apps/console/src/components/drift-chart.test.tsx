import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DriftChart } from "./drift-chart.tsx";

describe("drift over time", () => {
  it("places each check's largest PSI by time (oldest left) on a 0–1 axis, larger ones on the top edge", () => {
    render(
      <DriftChart
        // Newest first, as the API lists them.
        reports={[
          {
            id: "3",
            createdAt: "2026-12-07T10:00:00.000Z",
            maxPsi: 1.7976931348623157e308,
            severity: "critical",
          },
          { id: "2", createdAt: "2026-12-07T09:00:00.000Z", maxPsi: 0.35, severity: "moderate" },
          { id: "1", createdAt: "2026-12-07T08:00:00.000Z", maxPsi: 0.05, severity: "none" },
        ]}
      />,
    );
    const chart = screen.getByRole("img");
    // 300 × 80 with 6 of padding: x from 6 to 294, y from 74 (PSI 0) to 6 (PSI 1 or more).
    const circles = [...chart.querySelectorAll("circle")].map((circle) => [
      circle.getAttribute("cx"),
      circle.getAttribute("cy"),
      circle.getAttribute("r"),
      circle.getAttribute("class"),
    ]);
    expect(circles).toEqual([
      ["6.0", "70.6", "2.5", "drift-point severity-none"],
      ["150.0", "50.2", "4", "drift-point severity-moderate"],
      ["294.0", "6.0", "4", "drift-point severity-critical"],
    ]);
    expect(chart.querySelector("polyline")?.getAttribute("points")).toBe("6.0,70.6 150.0,50.2 294.0,6.0");
    // The drifted line at PSI 0.2.
    expect(chart.querySelector("line")?.getAttribute("y1")).toBe("60.4");
    expect(chart.querySelectorAll("title")[1]?.textContent).toMatch(/^.+: largest PSI 0\.350, moderate$/);
    expect(chart.getAttribute("aria-label")).toMatch(
      /^Largest PSI of 3 drift checks from .+ to .+: latest ∞ \(critical\), highest ∞ \(critical\)$/,
    );
  });

  it("puts a single check in the middle and draws nothing without one", () => {
    const { container, rerender } = render(
      <DriftChart
        reports={[{ id: "1", createdAt: "2026-12-07T08:00:00.000Z", maxPsi: 0.5, severity: "moderate" }]}
      />,
    );
    const circle = container.querySelector("circle");
    expect([circle?.getAttribute("cx"), circle?.getAttribute("cy")]).toEqual(["150.0", "40.0"]);
    rerender(<DriftChart reports={[]} />);
    expect(container.innerHTML).toBe("");
  });
});
