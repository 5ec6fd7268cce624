import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeLayout, ROW_PX, VIEWPORT_PX } from "../testing/layout.ts";
import { anomaly } from "../testing/render.tsx";
import { AnomalyList, targetRow } from "./anomaly-list.tsx";

const TEN_THOUSAND = Array.from({ length: 10_000 }, (_, index) => anomaly(10_000 - index));

describe("the virtualised feed", () => {
  let undoLayout: () => void;
  beforeAll(() => {
    undoLayout = fakeLayout();
  });
  afterAll(() => undoLayout());

  it("renders a bounded number of rows for 10,000 anomalies, each saying where it is in the whole", () => {
    render(<AnomalyList items={TEN_THOUSAND} />);
    const rows = screen.getAllByRole("listitem");
    // 600 px / 42 px: 15 rows in view (the 15th in part), plus 8 overscan below (none above the top).
    expect(rows).toHaveLength(23);
    expect(rows[0]?.getAttribute("aria-posinset")).toBe("1");
    expect(rows[0]?.getAttribute("aria-setsize")).toBe("10000");
    expect(screen.getByRole("list").style.height).toBe(`${10_000 * ROW_PX}px`);
    // One tab stop for the whole list.
    const tabStops = screen.getAllByRole("link").filter((link) => link.tabIndex === 0);
    expect(tabStops.map((link) => link.dataset.id)).toEqual(["10000"]);
  });

  it("scrolls the selected row into view and focuses it as the keys move the selection", async () => {
    render(<AnomalyList items={TEN_THOUSAND} />);
    const list = screen.getByRole("list");
    const viewport = list.parentElement as HTMLElement;
    act(() => screen.getAllByRole("link")[0]?.focus());
    for (let step = 0; step < 30; step += 1) fireEvent.keyDown(list, { key: "j" });
    // Row 30 (0-based) ends at 31 × 42 = 1302 px; aligned to the bottom of a 600 px viewport: 702.
    await waitFor(() => expect(viewport.scrollTop).toBe(702));
    await waitFor(() => expect((document.activeElement as HTMLElement).dataset.index).toBe("30"));
    expect((document.activeElement as HTMLElement).dataset.id).toBe(String(10_000 - 30));

    fireEvent.keyDown(list, { key: "End" });
    await waitFor(() => expect(viewport.scrollTop).toBe(10_000 * ROW_PX - VIEWPORT_PX));
    await waitFor(() => expect((document.activeElement as HTMLElement).dataset.index).toBe("9999"));
    expect(document.activeElement?.closest("li")?.getAttribute("aria-posinset")).toBe("10000");
    // Still a bounded number of rows at the far end.
    expect(screen.getAllByRole("listitem").length).toBeLessThanOrEqual(30);

    fireEvent.keyDown(list, { key: "k" });
    await waitFor(() => expect((document.activeElement as HTMLElement).dataset.index).toBe("9998"));
    fireEvent.keyDown(list, { key: "Home" });
    await waitFor(() => expect(viewport.scrollTop).toBe(0));
    await waitFor(() => expect((document.activeElement as HTMLElement).dataset.index).toBe("0"));
  });

  it("keeps the selected row rendered (and focused) when the list is scrolled away from it", async () => {
    render(<AnomalyList items={TEN_THOUSAND} />);
    const list = screen.getByRole("list");
    const viewport = list.parentElement as HTMLElement;
    act(() => screen.getAllByRole("link")[0]?.focus());
    fireEvent.keyDown(list, { key: "j" });
    await waitFor(() => expect((document.activeElement as HTMLElement).dataset.index).toBe("1"));
    act(() => {
      viewport.scrollTop = 200_000;
      viewport.dispatchEvent(new Event("scroll"));
    });
    // 200,000 px / 42 px: rows 4761 to 4776 in view, 8 overscan rows either side, and the selected row.
    await waitFor(() => expect(screen.getAllByRole("listitem")[1]?.dataset.index).toBe(String(4_761 - 8)));
    const indexes = screen.getAllByRole("listitem").map((row) => Number(row.dataset.index));
    expect(indexes[0]).toBe(1);
    expect(indexes.slice(1)).toEqual(Array.from({ length: 16 + 16 }, (_, n) => 4_761 - 8 + n));
    expect((document.activeElement as HTMLElement).dataset.index).toBe("1");
  });
});

describe("keys of the feed", () => {
  it("moves one row, a page, or to either end, and stops at the ends", () => {
    expect([
      targetRow("j", 0, 100, 15),
      targetRow("ArrowDown", 99, 100, 15),
      targetRow("k", 0, 100, 15),
      targetRow("ArrowUp", 50, 100, 15),
      targetRow("PageDown", 90, 100, 15),
      targetRow("PageUp", 10, 100, 15),
      targetRow("Home", 50, 100, 15),
      targetRow("End", 50, 100, 15),
      targetRow("x", 50, 100, 15),
    ]).toEqual([1, 99, 0, 49, 99, 0, 0, 99, null]);
  });
});
