import { screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { anomaly, fakeGateway, renderWithGateway, VIEWER } from "../testing/render.tsx";
import { Review } from "./transaction.tsx";

describe("review of an anomaly", () => {
  it("records a false positive with its note and shows the verdict", async () => {
    const record = anomaly(7);
    const gateway = fakeGateway({
      "POST /api/v1/anomalies/7/review": ({ body }) => ({
        body: {
          ...record,
          reviewed: true,
          falsePositive: (body as { falsePositive: boolean }).falsePositive,
          reviewNote: (body as { note?: string }).note ?? null,
          reviewedBy: "api_key:key-1",
          reviewedAt: "2026-12-07T08:30:00.000Z",
        },
      }),
      "GET /api/v1/anomalies": () => ({
        body: { items: [], nextCursor: null, total: 0, count: 0, cached: false },
      }),
    });
    renderWithGateway(<Review anomaly={record} />, gateway);
    expect(screen.getByRole("status").textContent).toBe("Not reviewed yet.");
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Note (optional)"), "  exchange cold wallet  ");
    await user.click(screen.getByRole("button", { name: "Mark false positive" }));
    await screen.findByText(/Reviewed as a false positive by api_key:key-1/);
    expect(screen.getByRole("status").textContent).toContain("Note: “exchange cold wallet”");
    expect(gateway.requests.find((request) => request.method === "POST")).toEqual({
      method: "POST",
      path: "/api/v1/anomalies/7/review",
      search: "",
      body: { falsePositive: true, note: "exchange cold wallet" },
    });
  });

  it("allowlists the recipient with a false positive, for the days and reason given", async () => {
    const record = anomaly(6);
    const gateway = fakeGateway({
      "POST /api/v1/anomalies/6/review": () => ({
        body: { ...record, reviewed: true, falsePositive: true, reviewedBy: "api_key:key-1" },
      }),
      "GET /api/v1/anomalies": () => ({
        body: { items: [], nextCursor: null, total: 0, count: 0, cached: false },
      }),
    });
    renderWithGateway(<Review anomaly={record} />, gateway);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Allowlist"), "to");
    const days = screen.getByLabelText("for days");
    await user.clear(days);
    await user.type(days, "30");
    await user.type(screen.getByLabelText("because"), "our deposit wallet");
    await user.click(screen.getByRole("button", { name: "Mark false positive" }));
    await screen.findByText(/Reviewed as a false positive/);
    expect(gateway.requests.find((request) => request.method === "POST")?.body).toEqual({
      falsePositive: true,
      effect: { type: "allowlist", party: "to", days: 30, reason: "our deposit wallet" },
    });
  });

  it("sends no allowlisting with a confirmation", async () => {
    const record = anomaly(5);
    const gateway = fakeGateway({
      "POST /api/v1/anomalies/5/review": () => ({
        body: { ...record, reviewed: true, falsePositive: false },
      }),
      "GET /api/v1/anomalies": () => ({
        body: { items: [], nextCursor: null, total: 0, count: 0, cached: false },
      }),
    });
    renderWithGateway(<Review anomaly={record} />, gateway);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Allowlist"), "from");
    await user.click(screen.getByRole("button", { name: "Confirm anomaly" }));
    await screen.findByText(/Reviewed as a confirmed anomaly/);
    expect(gateway.requests.find((request) => request.method === "POST")?.body).toEqual({
      falsePositive: false,
    });
  });

  it("confirms without a note, and shows a refusal's code, message and request id", async () => {
    const gateway = fakeGateway({
      "POST /api/v1/anomalies/8/review": () => ({
        status: 404,
        body: { code: "NOT_FOUND", message: "anomaly 8 not found", requestId: "req-8" },
      }),
    });
    renderWithGateway(<Review anomaly={anomaly(8)} />, gateway);
    await userEvent.setup().click(screen.getByRole("button", { name: "Confirm anomaly" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(
      "The review was not savedcodeNOT_FOUNDmessageanomaly 8 not foundrequest idreq-8",
    );
    expect(gateway.requests[0]?.body).toEqual({ falsePositive: false });
  });

  it("offers no review actions to a viewer", () => {
    renderWithGateway(<Review anomaly={anomaly(9)} />, fakeGateway({}), VIEWER);
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.getByText("Reviewing needs the analyst or admin role.")).toBeTruthy();
  });
});
