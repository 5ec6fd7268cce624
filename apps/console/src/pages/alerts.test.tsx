import type { AlertDeliveryPage, AlertDestination } from "@chainwatch/client";
import { screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeGateway, renderWithGateway, VIEWER } from "../testing/render.tsx";
import { AlertsPage } from "./alerts.tsx";

type Delivery = AlertDeliveryPage["deliveries"][number];

const destination = (overrides: Partial<AlertDestination> = {}): AlertDestination => ({
  id: "dst_aaaaaaaaaaaa",
  name: "SOC webhook",
  kind: "webhook",
  url: "https://hooks.example.com/chainwatch",
  enabled: true,
  policy: { minLevel: "high", rateCap: { maxPerWindow: 5, windowSeconds: 60 }, mutes: [] },
  maxConcurrency: 4,
  hasSecret: true,
  createdBy: "api_key:key-1",
  updatedBy: "api_key:key-1",
  createdAt: "2026-12-07T08:00:00.000Z",
  updatedAt: "2026-12-07T08:00:00.000Z",
  ...overrides,
});

const DEAD: Delivery = {
  id: "41",
  destinationId: "dst_aaaaaaaaaaaa",
  messageId: "msg_1",
  hash: `0x${"e".repeat(64)}`,
  status: "dead",
  attempts: 17,
  createdAt: "2026-12-06T08:00:00.000Z",
  nextAttemptAt: null,
  deliveredAt: null,
  lastStatusCode: 502,
  lastError: "bad gateway",
};
const DELIVERED: Delivery = {
  ...DEAD,
  id: "42",
  hash: `0x${"d".repeat(64)}`,
  status: "delivered",
  attempts: 1,
  deliveredAt: "2026-12-06T08:00:01.000Z",
  lastStatusCode: 204,
  lastError: null,
};
const none = () => ({ body: { deliveries: [], next: null } });

describe("alerts page", () => {
  it("creates a webhook with its policy and shows the signing secret once", async () => {
    let stored: AlertDestination[] = [];
    const gateway = fakeGateway({
      "GET /api/v1/alerts/destinations": () => ({ body: { destinations: stored } }),
      "GET /api/v1/alerts/deliveries": none,
      "POST /api/v1/alerts/destinations": () => {
        stored = [destination({ policy: { minLevel: "critical", mutes: [] } })];
        return { status: 201, body: { destination: stored[0], signingSecret: "whsec_c2VjcmV0" } };
      },
    });
    renderWithGateway(<AlertsPage />, gateway);
    await screen.findByText(/No destination yet/);
    await screen.findByText(/No delivery yet/);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Name"), "SOC webhook");
    await user.type(screen.getByLabelText("URL"), "https://hooks.example.com/chainwatch");
    await user.selectOptions(screen.getByLabelText("Lowest level"), "critical");
    await user.click(screen.getByRole("button", { name: "Add destination" }));
    await screen.findByText("whsec_c2VjcmV0");
    expect(gateway.requests.find((request) => request.method === "POST")?.body).toEqual({
      kind: "webhook",
      name: "SOC webhook",
      url: "https://hooks.example.com/chainwatch",
      policy: { minLevel: "critical" },
    });
    const row = await screen.findByRole("row", { name: /SOC webhook/ });
    expect(within(row).getByText("critical and above")).toBeTruthy();
  });

  it("sends a log destination no URL", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/alerts/destinations": () => ({ body: { destinations: [] } }),
      "GET /api/v1/alerts/deliveries": none,
      "POST /api/v1/alerts/destinations": () => ({
        status: 201,
        body: { destination: destination({ kind: "log", url: null, hasSecret: false }) },
      }),
    });
    renderWithGateway(<AlertsPage />, gateway);
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText("Kind"), "log");
    expect(screen.queryByLabelText("URL")).toBeNull();
    await user.type(screen.getByLabelText("Name"), "audit log");
    await user.click(screen.getByRole("button", { name: "Add destination" }));
    await waitFor(() =>
      expect(gateway.requests.find((request) => request.method === "POST")?.body).toEqual({
        kind: "log",
        name: "audit log",
        policy: { minLevel: "low" },
      }),
    );
    // No secret for a log destination: nothing to show once.
    expect(screen.queryByText(/Signing secret/)).toBeNull();
  });

  it("sends a test alert and shows the receiver's answer; disables; deletes only after confirming", async () => {
    let stored = [destination()];
    const gateway = fakeGateway({
      "GET /api/v1/alerts/destinations": () => ({ body: { destinations: stored } }),
      "GET /api/v1/alerts/deliveries": none,
      "POST /api/v1/alerts/destinations/dst_aaaaaaaaaaaa/test": () => ({
        body: {
          delivered: false,
          statusCode: 503,
          latencyMs: 41,
          error: "receiver busy",
          messageId: "msg_t1",
        },
      }),
      "PUT /api/v1/alerts/destinations/dst_aaaaaaaaaaaa": ({ body }) => {
        stored = [destination(body as Partial<AlertDestination>)];
        return { body: stored[0] };
      },
      "DELETE /api/v1/alerts/destinations/dst_aaaaaaaaaaaa": () => {
        stored = [];
        return { body: { id: "dst_aaaaaaaaaaaa", deleted: true } };
      },
    });
    renderWithGateway(<AlertsPage />, gateway);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Send test alert to SOC webhook" }));
    const result = await screen.findByText(/^Test alert to/);
    expect(result.textContent).toBe(
      "Test alert to “SOC webhook”: failed (HTTP 503) after 41 ms: receiver busy. Message id msg_t1",
    );

    await user.click(screen.getByRole("button", { name: "Disable SOC webhook" }));
    await screen.findByRole("button", { name: "Enable SOC webhook" });
    expect(gateway.requests.find((request) => request.method === "PUT")?.body).toEqual({ enabled: false });
    expect(screen.getByRole("row", { name: /SOC webhook/ }).textContent).toContain("disabled");

    await user.click(screen.getByRole("button", { name: "Delete SOC webhook" }));
    expect(gateway.requests.some((request) => request.method === "DELETE")).toBe(false);
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    await screen.findByText(/No destination yet/);
    expect(gateway.requests.filter((request) => request.method === "DELETE")).toHaveLength(1);
  });

  it("lists deliveries with status, attempts and last answer, filters by status, and redelivers a dead one", async () => {
    let rows = [DELIVERED, DEAD];
    const gateway = fakeGateway({
      "GET /api/v1/alerts/destinations": () => ({ body: { destinations: [destination()] } }),
      "GET /api/v1/alerts/deliveries": ({ search }) => {
        const status = new URLSearchParams(search).get("status");
        return { body: { deliveries: rows.filter((row) => !status || row.status === status), next: null } };
      },
      "POST /api/v1/alerts/dead-letters/redeliver": () => {
        rows = rows.map((row) =>
          row.id === "41" ? { ...row, status: "pending", nextAttemptAt: "2026-12-07T08:00:00.000Z" } : row,
        );
        return { body: { redelivered: 1 } };
      },
    });
    renderWithGateway(<AlertsPage />, gateway);
    const dead = await screen.findByRole("row", { name: /0xeeeeee/ });
    const cellsOf = (row: HTMLElement) => [...row.querySelectorAll("td")].map((cell) => cell.textContent);
    expect(cellsOf(dead)).toEqual([
      "SOC webhook",
      "0xeeeeee…eeeeee",
      "dead (past the maximum age)",
      "17",
      "HTTP 502: bad gateway",
      expect.any(String),
      "Redeliver",
    ]);
    const delivered = screen.getByRole("row", { name: /0xdddddd/ });
    expect(cellsOf(delivered).slice(2, 5)).toEqual([expect.stringMatching(/^delivered /), "1", "HTTP 204"]);
    expect(within(delivered).queryByRole("button")).toBeNull();
    expect(screen.getByRole("button", { name: "Redeliver all dead to SOC webhook" })).toBeTruthy();

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Status"), "dead");
    await waitFor(() => expect(screen.queryByRole("row", { name: /0xdddddd/ })).toBeNull());
    await user.click(
      within(screen.getByRole("row", { name: /0xeeeeee/ })).getByRole("button", {
        name: `Redeliver ${DEAD.hash}`,
      }),
    );
    await screen.findByText("1 delivery queued again.");
    expect(gateway.requests.find((request) => request.method === "POST")?.body).toEqual({ ids: ["41"] });
    await screen.findByText("No dead delivery.");
    await user.selectOptions(screen.getByLabelText("Status"), "pending");
    const retrying = await screen.findByRole("row", { name: /0xeeeeee/ });
    expect(cellsOf(retrying)[2]).toMatch(/^retrying, next /);
  });

  it("offers analysts no changes, and tells viewers the page is not theirs", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/alerts/destinations": () => ({ body: { destinations: [destination()] } }),
      "GET /api/v1/alerts/deliveries": () => ({ body: { deliveries: [DEAD], next: null } }),
    });
    const { unmount } = renderWithGateway(<AlertsPage />, gateway, {
      type: "user",
      id: "u1",
      role: "analyst",
      name: "ana@example.com",
    });
    await screen.findByRole("row", { name: /0xeeeeee/ });
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.queryByLabelText("Name")).toBeNull();
    unmount();

    const before = gateway.requests.length;
    renderWithGateway(<AlertsPage />, gateway, VIEWER);
    expect(screen.getByText("Alert destinations are shown to analysts and admins.")).toBeTruthy();
    expect(gateway.requests.length).toBe(before);
  });
});
