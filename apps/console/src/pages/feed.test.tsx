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

  it("asks the gateway for unreviewed anomalies first, and for each filter chosen", async () => {
    const set = [
      anomaly(3, { riskLevel: "critical", reasons: [deny] }),
      anomaly(2, { reviewed: true, falsePositive: true }),
      anomaly(1, { riskLevel: "medium" }),
    ];
    // A gateway that applies the review and level filters, as the real one does.
    const gateway = fakeGateway({
      "GET /api/v1/anomalies": ({ search }) => {
        const query = new URLSearchParams(search);
        const reviewed = query.get("reviewed");
        const level = query.get("level");
        return {
          body: page(
            set.filter(
              (item) =>
                (reviewed === null || String(item.reviewed) === reviewed) &&
                (level === null || item.riskLevel === level),
            ),
          ),
        };
      },
      "GET /api/v1/lists": () => ({
        body: {
          lists: [
            {
              id: "desk",
              name: "Desk watch",
              kind: "watch",
              description: null,
              source: null,
              createdBy: "t",
              updatedBy: "t",
              createdAt: "2026-12-07T08:00:00.000Z",
              updatedAt: "2026-12-07T08:00:00.000Z",
              labelCount: 1,
            },
          ],
        },
      }),
    });
    renderWithGateway(<FeedPage pollMs={60_000} />, gateway);
    await screen.findByText("2 loaded of 2 matching");
    const rows = () => screen.getAllByRole("link").map((link) => link.dataset.id);
    expect(rows()).toEqual(["3", "1"]);
    const lastQuery = () =>
      Object.fromEntries(
        new URLSearchParams(
          gateway.requests.filter((request) => request.path === "/api/v1/anomalies").at(-1)?.search,
        ),
      );
    expect(lastQuery()).toEqual({ limit: "100", reviewed: "false" });

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Review"), "reviewed");
    await waitFor(() => expect(rows()).toEqual(["2"]));
    expect(screen.getByRole("link").textContent).toContain("false positive");

    await user.selectOptions(screen.getByLabelText("Review"), "all");
    await user.selectOptions(screen.getByLabelText("Level"), "critical");
    await waitFor(() => expect(rows()).toEqual(["3"]));
    expect(lastQuery()).toEqual({ limit: "100", level: "critical" });

    // Codes seen so far stay offered while a filter hides the anomalies that carried them.
    await user.selectOptions(screen.getByLabelText("Reason"), "sender_burst");
    await user.selectOptions(screen.getByLabelText("Reason kind"), "context");
    await screen.findByRole("option", { name: "Desk watch (watch)" });
    await user.selectOptions(screen.getByLabelText("Labelled on"), "desk");
    const address = screen.getByLabelText("Address (sender or recipient)");
    await user.type(address, "0xAB");
    expect(lastQuery().address).toBeUndefined();
    expect(screen.getByText("0x and 40 hex digits")).toBeTruthy();
    await user.clear(address);
    await user.type(address, `0x${"AB".repeat(20)}`);
    await waitFor(() =>
      expect(lastQuery()).toEqual({
        limit: "100",
        level: "critical",
        reasonCode: "sender_burst",
        reasonKind: "context",
        address: `0x${"ab".repeat(20)}`,
        listId: "desk",
      }),
    );
    // The choice is kept for the tab: back from a detail page, the same rows.
    expect(JSON.parse(sessionStorage.getItem("chainwatch.console.feed") ?? "{}")).toEqual({
      level: "critical",
      reason: "sender_burst",
      reasonKind: "context",
      reviewed: "all",
      address: `0x${"AB".repeat(20)}`,
      listId: "desk",
    });

    await user.click(screen.getByRole("button", { name: "Reset filters" }));
    await waitFor(() => expect(lastQuery()).toEqual({ limit: "100", reviewed: "false" }));
    expect((screen.getByLabelText("Address (sender or recipient)") as HTMLInputElement).value).toBe("");
    expect(screen.queryByRole("button", { name: "Reset filters" })).toBeNull();
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
    await screen.findByText("1 loaded of 1 matching");
    items = [anomaly(2, { riskLevel: "critical" }), ...items];
    await waitFor(() =>
      expect(screen.getAllByRole("link").map((link) => link.dataset.id)).toEqual(["2", "1"]),
    );
    expect(gateway.requests.find((request) => request.path === "/api/v1/anomalies")).toMatchObject({
      method: "GET",
      path: "/api/v1/anomalies",
      search: "?limit=100&reviewed=false",
    });
  });

  it("says so when there is nothing yet, or nothing matching, and shows the server's error fields when it fails", async () => {
    const stats = (total: number) => ({
      body: {
        total,
        reviewed: total,
        falsePositives: 0,
        falsePositiveRate: 0,
        bySeverity: { low: 0, medium: 0, high: total, critical: 0 },
      },
    });
    const empty = fakeGateway({
      "GET /api/v1/anomalies": () => ({ body: page([]) }),
      "GET /api/v1/anomalies/stats": () => stats(0),
    });
    const { unmount } = renderWithGateway(<FeedPage pollMs={60_000} />, empty);
    await screen.findByText(/No anomalies yet/);
    unmount();
    const allReviewed = fakeGateway({
      "GET /api/v1/anomalies": () => ({ body: page([]) }),
      "GET /api/v1/anomalies/stats": () => stats(4),
    });
    const second = renderWithGateway(<FeedPage pollMs={60_000} />, allReviewed);
    await screen.findByText("No anomaly matches these filters.");
    second.unmount();

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
