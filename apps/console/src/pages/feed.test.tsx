import type { AnomalyPage } from "@chainwatch/client";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeLayout } from "../testing/layout.ts";
import { anomaly, fakeGateway, renderWithGateway } from "../testing/render.tsx";
import { FeedPage } from "./feed.tsx";

const page = (items: AnomalyPage["items"]): AnomalyPage => ({
  items,
  nextCursor: null,
  total: items.length,
  count: items.length,
  cached: false,
});

const deny = {
  kind: "label" as const,
  code: "deny_listed" as const,
  message: "recipient on the deny list Phishing",
  surprise: 9,
  data: {},
};

describe("live feed", () => {
  let undoLayout: () => void;
  beforeAll(() => {
    undoLayout = fakeLayout();
  });
  afterAll(() => undoLayout());
  beforeEach(() => sessionStorage.clear());
  afterEach(() => sessionStorage.clear());

  it("shows unreviewed anomalies first, and filters by review, level and reason", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/anomalies": () => ({
        body: page([
          anomaly(3, { riskLevel: "critical", reasons: [deny] }),
          anomaly(2, { reviewed: true, falsePositive: true }),
          anomaly(1, { riskLevel: "medium" }),
        ]),
      }),
    });
    renderWithGateway(<FeedPage pollMs={60_000} />, gateway);
    await screen.findByText("2 shown of 3 loaded (3 anomalies stored)");
    const rows = () => screen.getAllByRole("link").map((link) => link.dataset.id);
    expect(rows()).toEqual(["3", "1"]);

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Review"), "reviewed");
    expect(rows()).toEqual(["2"]);
    expect(screen.getByRole("link").textContent).toContain("false positive");

    await user.selectOptions(screen.getByLabelText("Review"), "all");
    await user.selectOptions(screen.getByLabelText("Level"), "critical");
    expect(rows()).toEqual(["3"]);

    await user.selectOptions(screen.getByLabelText("Level"), "all");
    await user.selectOptions(screen.getByLabelText("Reason"), "sender_burst");
    expect(rows()).toEqual(["2", "1"]);
    // The choice is kept for the tab: back from a detail page, the same rows.
    expect(JSON.parse(sessionStorage.getItem("chainwatch.console.feed") ?? "{}")).toEqual({
      level: "all",
      reason: "sender_burst",
      reviewed: "all",
    });
  });

  it("moves between rows with j/k and the arrow keys", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/anomalies": () => ({ body: page([anomaly(3), anomaly(2), anomaly(1)]) }),
    });
    renderWithGateway(<FeedPage pollMs={60_000} />, gateway);
    const links = await screen.findAllByRole("link");
    const list = screen.getByRole("list", { name: "Anomalies, newest first" });
    act(() => links[0]?.focus());
    fireEvent.keyDown(list, { key: "j" });
    expect(document.activeElement).toBe(links[1]);
    fireEvent.keyDown(list, { key: "ArrowDown" });
    expect(document.activeElement).toBe(links[2]);
    fireEvent.keyDown(list, { key: "ArrowDown" });
    expect(document.activeElement).toBe(links[2]);
    fireEvent.keyDown(list, { key: "k" });
    fireEvent.keyDown(list, { key: "ArrowUp" });
    expect(document.activeElement).toBe(links[0]);
    expect(links[0]?.getAttribute("href")).toBe(`#/tx/0x${"3".padStart(64, "0")}?anomaly=3`);
  });

  it("adds a new anomaly on the next poll, without a reload", async () => {
    let items = [anomaly(1)];
    const gateway = fakeGateway({ "GET /api/v1/anomalies": () => ({ body: page(items) }) });
    renderWithGateway(<FeedPage pollMs={50} />, gateway);
    await screen.findByText("1 shown of 1 loaded (1 anomalies stored)");
    items = [anomaly(2, { riskLevel: "critical" }), ...items];
    await waitFor(() =>
      expect(screen.getAllByRole("link").map((link) => link.dataset.id)).toEqual(["2", "1"]),
    );
    expect(gateway.requests[0]).toMatchObject({
      method: "GET",
      path: "/api/v1/anomalies",
      search: "?limit=100",
    });
  });

  it("says so when there is nothing yet, and shows the server's error fields when it fails", async () => {
    const empty = fakeGateway({ "GET /api/v1/anomalies": () => ({ body: page([]) }) });
    const { unmount } = renderWithGateway(<FeedPage pollMs={60_000} />, empty);
    await screen.findByText(/No anomalies yet/);
    unmount();

    const failing = fakeGateway({
      "GET /api/v1/anomalies": () => ({
        status: 503,
        body: { code: "DATABASE_UNAVAILABLE", message: "the database is not reachable", requestId: "req-42" },
      }),
    });
    renderWithGateway(<FeedPage pollMs={60_000} />, failing);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(
      "Could not load anomaliescodeDATABASE_UNAVAILABLEmessagethe database is not reachablerequest idreq-42",
    );
  });
});
