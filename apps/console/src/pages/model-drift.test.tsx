import type { StoredDriftReport } from "@chainwatch/client";
import { screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeGateway, renderWithGateway, VIEWER } from "../testing/render.tsx";
import { DriftReports } from "./model-drift.tsx";

const feature = (name: string, psi: number | string, isDrifted: boolean) => ({
  feature: name,
  psi,
  ksStatistic: 0.3,
  ksPValue: 0.00012,
  meanShift: 2.345,
  isDrifted,
});

function stored(id: string, createdAt: string, overrides: Partial<StoredDriftReport>): StoredDriftReport {
  return {
    id,
    modelVersion: "if-aaaaaaaaaaaa",
    trigger: "schedule",
    requestedBy: "system",
    windowSince: createdAt,
    windowUntil: createdAt,
    recentRows: 2000,
    severity: "none",
    maxPsi: 0.03,
    driftedFeatures: [],
    insufficientData: false,
    report: { features: [] },
    createdAt,
    ...overrides,
  };
}

const latest = stored("2", "2026-12-07T10:00:00.000Z", {
  trigger: "api",
  requestedBy: "key:ops",
  severity: "critical",
  maxPsi: 1.7976931348623157e308,
  driftedFeatures: ["gas_price_log10_wei", "fee_cap_log10_wei"],
  report: {
    features: [
      feature("gas_price_log10_wei", "Infinity", true),
      feature("fee_cap_log10_wei", 8.3, true),
      feature("value_log10_wei", 0.01, false),
    ],
  },
});
const earlier = stored("1", "2026-12-07T09:00:00.000Z", {});

describe("drift reports", () => {
  it("charts every check, sums up the latest and lists its drifted features", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/models/drift": () => ({ body: { reports: [latest, earlier] } }),
    });
    renderWithGateway(<DriftReports />, gateway, VIEWER);
    const chart = await screen.findByRole("img");
    expect(chart.querySelectorAll("circle").length).toBe(2);
    expect(chart.getAttribute("aria-label")).toMatch(
      /^Largest PSI of 2 drift checks .+: latest ∞ \(critical\)/,
    );
    expect(screen.getByText(/^Latest check /).textContent).toMatch(
      /^Latest check .+ \(api, by key:ops\) of if-aaaaaaaaaaaa over 2000 transactions: severity critical, largest PSI ∞\.$/,
    );
    const table = screen.getByRole("table", { name: "Drifted features in the latest check" });
    expect(
      within(table)
        .getAllByRole("row")
        .map((row) => [...row.querySelectorAll("th, td")].map((cell) => cell.textContent).join("|")),
    ).toEqual([
      "feature|PSI|KS p-value|mean shift (training std)",
      "gas_price_log10_wei|∞|0.00012|2.35",
      "fee_cap_log10_wei|8.300|0.00012|2.35",
    ]);
    // Viewers read the history but may not start a check.
    expect(screen.queryByRole("button", { name: "Check drift now" })).toBeNull();
    expect(gateway.requests).toEqual([
      { method: "GET", path: "/api/v1/models/drift", search: "", body: undefined },
    ]);
  });

  it("says when nothing is recorded, runs a check on demand and shows the new report", async () => {
    let reports: StoredDriftReport[] = [];
    const gateway = fakeGateway({
      "GET /api/v1/models/drift": () => ({ body: { reports } }),
      "POST /api/v1/models/drift": () => {
        reports = [stored("1", "2026-12-07T09:00:00.000Z", {})];
        return { body: { id: "1", severity: "none" } };
      },
    });
    renderWithGateway(<DriftReports />, gateway);
    const user = userEvent.setup();
    await screen.findByText("No drift checks recorded yet.");
    await user.click(screen.getByRole("button", { name: "Check drift now" }));
    await screen.findByText("No feature drifted in the latest check.");
    expect(screen.getByRole("img").querySelectorAll("circle").length).toBe(1);
    expect(
      gateway.requests.map((request) => `${request.method} ${JSON.stringify(request.body ?? null)}`),
    ).toEqual(["GET null", "POST {}", "GET null"]);
  });

  it("shows a refused check's code and a failed listing's", async () => {
    renderWithGateway(
      <DriftReports />,
      fakeGateway({
        "GET /api/v1/models/drift": () => ({
          status: 503,
          body: { code: "DATABASE_UNAVAILABLE", message: "the database is unavailable", requestId: "req-d1" },
        }),
        "POST /api/v1/models/drift": () => ({
          status: 409,
          body: { code: "DRIFT_REFERENCE_MISSING", message: "retrain the model", requestId: "req-d2" },
        }),
      }),
    );
    const user = userEvent.setup();
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Could not load the drift reportscodeDATABASE_UNAVAILABLEmessagethe database is unavailablerequest idreq-d1",
    );
    await user.click(screen.getByRole("button", { name: "Check drift now" }));
    expect(
      (await screen.findAllByRole("alert"))
        .map((alert) => alert.textContent)
        .filter((text) => text?.includes("check")),
    ).toEqual(["The drift check failedcodeDRIFT_REFERENCE_MISSINGmessageretrain the modelrequest idreq-d2"]);
  });

  it("says when the latest check had too few transactions to judge", async () => {
    renderWithGateway(
      <DriftReports />,
      fakeGateway({
        "GET /api/v1/models/drift": () => ({
          body: {
            reports: [stored("1", "2026-12-07T09:00:00.000Z", { insufficientData: true, recentRows: 12 })],
          },
        }),
      }),
      VIEWER,
    );
    await screen.findByText("Too few recent transactions to judge drift in the latest check.");
    expect(screen.queryByRole("table")).toBeNull();
  });
});
