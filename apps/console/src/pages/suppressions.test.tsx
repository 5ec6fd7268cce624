import type { ReviewStats, Suppression } from "@chainwatch/client";
import { screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeGateway, renderWithGateway, VIEWER } from "../testing/render.tsx";
import { SuppressionsPage } from "./suppressions.tsx";

const ADDRESS = `0x${"7".repeat(40)}`;
const suppression = (overrides: Partial<Suppression> = {}): Suppression => ({
  id: "11",
  chainId: 1,
  address: ADDRESS,
  reasonCode: "sender_burst",
  reason: "payroll run every Friday",
  anomalyId: "5",
  createdBy: "user:u1",
  createdAt: "2026-12-01T08:00:00.000Z",
  expiresAt: "2026-12-31T08:00:00.000Z",
  revokedBy: null,
  revokedAt: null,
  revokeReason: null,
  status: "active",
  ...overrides,
});

const STATS: ReviewStats = {
  since: "2026-11-07T08:00:00.000Z",
  until: "2026-12-07T08:00:00.000Z",
  reviewed: 8,
  confirmed: 5,
  falsePositives: 3,
  precision: 0.625,
  byReason: [
    { code: "sender_burst", reviewed: 6, confirmed: 3, falsePositives: 3, precision: 0.5 },
    { code: "deny_listed", reviewed: 2, confirmed: 2, falsePositives: 0, precision: 1 },
  ],
};

const cells = (row: HTMLElement) => [...row.querySelectorAll("td")].map((cell) => cell.textContent);

describe("suppressions page", () => {
  it("shows precision overall and by reason code over the chosen window", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/anomalies/review-stats": () => ({ body: STATS }),
      "GET /api/v1/suppressions": () => ({ body: { suppressions: [], nextCursor: null } }),
    });
    renderWithGateway(<SuppressionsPage />, gateway);
    await screen.findByText(/8 reviewed: 5 confirmed, 3 false positives/);
    expect(screen.getByText("62.5 %")).toBeTruthy();
    const table = screen.getByRole("table", { name: "Precision by reason code, most reviewed first" });
    expect(within(table).getAllByRole("row").slice(1).map(cells)).toEqual([
      ["sender_burst", "6", "3", "3", "50.0 %"],
      ["deny_listed", "2", "2", "0", "100.0 %"],
    ]);
    const window = (search: string) => {
      const params = new URLSearchParams(search);
      return (Date.parse(params.get("until") ?? "") - Date.parse(params.get("since") ?? "")) / 86_400_000;
    };
    const statsRequests = () => gateway.requests.filter((request) => request.path.endsWith("review-stats"));
    expect(window(statsRequests()[0]?.search ?? "")).toBe(30);
    await userEvent.setup().selectOptions(screen.getByLabelText("Window"), "7");
    await screen.findByText(/8 reviewed/);
    expect(window(statsRequests().at(-1)?.search ?? "")).toBe(7);
    expect(screen.getByText(/No active suppression/)).toBeTruthy();
  });

  it("revokes an active suppression only after confirming, with the reason given", async () => {
    let stored = [suppression(), suppression({ id: "10", status: "expired", reasonCode: "sender_fan_out" })];
    const gateway = fakeGateway({
      "GET /api/v1/anomalies/review-stats": () => ({ body: { ...STATS, reviewed: 0, byReason: [] } }),
      "GET /api/v1/suppressions": ({ search }) => ({
        body: {
          suppressions: stored.filter(
            (item) => search.includes("status=all") || search.includes(`status=${item.status}`),
          ),
          nextCursor: null,
        },
      }),
      "POST /api/v1/suppressions/11/revoke": () => {
        const revoked = suppression({
          status: "revoked",
          revokedBy: "api_key:key-1",
          revokedAt: "2026-12-07T09:00:00.000Z",
          revokeReason: "payroll moved",
        });
        stored = [revoked, ...stored.slice(1)];
        return { body: { suppression: revoked, revoked: true } };
      },
    });
    renderWithGateway(<SuppressionsPage />, gateway);
    await screen.findByText("No anomaly reviewed in this window.");
    const row = await screen.findByRole("row", { name: /payroll run every Friday/ });
    expect(cells(row).slice(0, 3)).toEqual(["0x777777…777777", "sender_burst", "payroll run every Friday"]);
    // Only the active one is listed by default.
    expect(screen.queryByText("sender_fan_out")).toBeNull();

    const user = userEvent.setup();
    await user.click(within(row).getByRole("button", { name: `Revoke sender_burst for ${ADDRESS}` }));
    expect(gateway.requests.some((request) => request.method === "POST")).toBe(false);
    await user.type(screen.getByLabelText("Why revoke (optional, kept with it)"), "payroll moved");
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Revoke" }));
    await screen.findByText("Revoked: sender_burst applies to 0x777777…777777 again.");
    expect(gateway.requests.find((request) => request.method === "POST")).toMatchObject({
      path: "/api/v1/suppressions/11/revoke",
      body: { reason: "payroll moved" },
    });
    await screen.findByText(/No active suppression/);

    await user.selectOptions(screen.getByLabelText("Status"), "all");
    const revokedRow = await screen.findByRole("row", { name: /revoked by/ });
    expect(cells(revokedRow)[5]).toBe("revoked by api_key:key-1 (“payroll moved”)");
    expect(within(revokedRow).queryByRole("button")).toBeNull();
  });

  it("offers viewers no revoke button", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/anomalies/review-stats": () => ({ body: STATS }),
      "GET /api/v1/suppressions": () => ({ body: { suppressions: [suppression()], nextCursor: null } }),
    });
    renderWithGateway(<SuppressionsPage />, gateway, VIEWER);
    const row = await screen.findByRole("row", { name: /payroll run every Friday/ });
    expect(within(row).queryByRole("button")).toBeNull();
  });
});
