import type { Anomaly, Reason } from "@chainwatch/client";
import { defaultRangeExtractor, useVirtualizer } from "@tanstack/react-virtual";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { formatTime, shortHex } from "../format.ts";
import { hrefOf, navigate } from "../router.ts";
import { RiskBadge } from "./risk.tsx";

/** A row's height before it is measured: one line at 1280 px. Rows that wrap (phones) are measured. */
const ESTIMATED_ROW_PX = 42;
/** Rows drawn beyond each edge of the viewport, so a fast scroll or a held key shows no blank rows. */
const OVERSCAN_ROWS = 8;

const activeReasons = (reasons: readonly Reason[]) => reasons.filter((reason) => !reason.suppressed);

/** Which row a key moves to from `index` among `count` rows, or null for a key the list does not handle. */
export function targetRow(key: string, index: number, count: number, pageRows: number): number | null {
  const last = count - 1;
  switch (key) {
    case "ArrowDown":
    case "j":
      return Math.min(index + 1, last);
    case "ArrowUp":
    case "k":
      return Math.max(index - 1, 0);
    case "PageDown":
      return Math.min(index + pageRows, last);
    case "PageUp":
      return Math.max(index - pageRows, 0);
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return null;
  }
}

/**
 * The feed's rows, virtualised: only the rows in (and just around) the viewport exist in the document, so a
 * feed of 10,000 anomalies costs as much to lay out as one of 40. What that takes from assistive technology
 * is given back: each row says its position in the whole list (`aria-posinset`/`aria-setsize`), and the
 * list is one tab stop (a roving tabindex on the selected row) that the keys move through: ↓/j and ↑/k, Page
 * Up/Down, Home/End; the selected row is scrolled into view and focused, rendered or not before. Enter
 * follows the row's link; the selection is kept by anomaly id, so new anomalies arriving on top do not move it.
 */
export function AnomalyList({ items }: { items: readonly Anomaly[] }) {
  const viewportRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  // Set by a key press: focus the selected row once it is rendered (it may be scrolled in first).
  const focusPending = useRef(false);
  const found = selectedId === null ? -1 : items.findIndex((item) => item.id === selectedId);
  const selected = found === -1 ? 0 : found;
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => viewportRef.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: OVERSCAN_ROWS,
    getItemKey: (index) => items[index]?.id ?? index,
    // The selected row stays rendered when scrolled away: the focus stays on it (a removed element would
    // drop the focus to the page) and the list keeps its one tab stop.
    rangeExtractor: (range) => {
      const indexes = defaultRangeExtractor(range);
      return indexes.includes(selected) || selected >= items.length
        ? indexes
        : [...indexes, selected].sort((a, b) => a - b);
    },
  });

  useEffect(() => {
    if (!focusPending.current) return;
    const link = listRef.current?.querySelector<HTMLAnchorElement>(`a[data-index="${selected}"]`);
    if (link) {
      focusPending.current = false;
      link.focus({ preventScroll: true });
    }
  });

  const onKeyDown = (event: KeyboardEvent<HTMLOListElement>) => {
    if (event.key === "o") {
      const item = items[selected];
      if (item) navigate({ page: "transaction", hash: item.txHash, anomalyId: item.id });
      return;
    }
    const pageRows = Math.max(1, Math.floor((viewportRef.current?.clientHeight ?? 0) / ESTIMATED_ROW_PX));
    const next = targetRow(event.key, selected, items.length, pageRows);
    if (next === null) return;
    event.preventDefault();
    focusPending.current = true;
    setSelectedId(items[next]?.id ?? null);
    virtualizer.scrollToIndex(next, { align: "auto" });
  };

  return (
    <div className="feed-viewport" ref={viewportRef}>
      <ol
        className="feed"
        ref={listRef}
        onKeyDown={onKeyDown}
        aria-label="Anomalies, newest first"
        // The whole list's height, so the scrollbar spans every row; rows are placed at their offsets.
        style={{ height: virtualizer.getTotalSize() }}
      >
        {virtualizer.getVirtualItems().map((row) => {
          const item = items[row.index];
          if (!item) return null;
          return (
            <li
              key={row.key}
              className="feed-row"
              data-index={row.index}
              ref={virtualizer.measureElement}
              aria-posinset={row.index + 1}
              aria-setsize={items.length}
              style={{ transform: `translateY(${row.start}px)` }}
            >
              <a
                className="feed-link"
                href={hrefOf({ page: "transaction", hash: item.txHash, anomalyId: item.id })}
                data-hash={item.txHash}
                data-id={item.id}
                data-index={row.index}
                tabIndex={row.index === selected ? 0 : -1}
                onFocus={() => setSelectedId(item.id)}
              >
                <RiskBadge level={item.riskLevel ?? item.severity} score={item.riskScore} />
                <span className="feed-hash" title={item.txHash}>
                  {shortHex(item.txHash)}
                </span>
                <span className="feed-reasons">
                  {activeReasons(item.reasons)
                    .map((reason) => reason.code)
                    .join(", ") || "model only"}
                </span>
                <span className="feed-time">{formatTime(item.detectedAt)}</span>
                <span className="feed-review">
                  {item.reviewed ? (item.falsePositive ? "false positive" : "confirmed") : "not reviewed"}
                </span>
              </a>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
