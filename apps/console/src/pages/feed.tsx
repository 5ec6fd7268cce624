import type { Anomaly } from "@chainwatch/client";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { AnomalyList } from "../components/anomaly-list.tsx";
import { Field } from "../components/field.tsx";
import { Empty, ErrorNotice, Loading } from "../components/states.tsx";

/** How often the newest page is asked for again; the gateway caches pages until a new anomaly lands. */
export const FEED_POLL_MS = 2_000;
const PAGE_SIZE = 100;
const LEVELS = ["low", "medium", "high", "critical"] as const;

export interface FeedFilters {
  level: "all" | (typeof LEVELS)[number];
  reason: string;
  reviewed: "unreviewed" | "reviewed" | "all";
}

export const DEFAULT_FILTERS: FeedFilters = { level: "all", reason: "all", reviewed: "unreviewed" };

/**
 * Applied in the browser: the API filters by the model's severity only, while the feed shows the combined
 * verdict's level, reason codes and review state, all of which each loaded anomaly carries.
 */
export function filterAnomalies(items: readonly Anomaly[], filters: FeedFilters): Anomaly[] {
  return items.filter(
    (item) =>
      (filters.level === "all" || (item.riskLevel ?? item.severity) === filters.level) &&
      (filters.reason === "all" || item.reasons.some((reason) => reason.code === filters.reason)) &&
      (filters.reviewed === "all" || item.reviewed === (filters.reviewed === "reviewed")),
  );
}

/** Filters survive a trip to a detail page and back within the tab. */
function useStoredFilters(): [FeedFilters, (next: FeedFilters) => void] {
  const [filters, setFilters] = useState<FeedFilters>(() => {
    try {
      const stored = JSON.parse(
        sessionStorage.getItem("chainwatch.console.feed") ?? "null",
      ) as FeedFilters | null;
      return stored ? { ...DEFAULT_FILTERS, ...stored } : DEFAULT_FILTERS;
    } catch {
      return DEFAULT_FILTERS;
    }
  });
  return [
    filters,
    (next) => {
      sessionStorage.setItem("chainwatch.console.feed", JSON.stringify(next));
      setFilters(next);
    },
  ];
}

export function FeedPage({ pollMs = FEED_POLL_MS }: { pollMs?: number }) {
  const { client } = useAuth();
  const [filters, setFilters] = useStoredFilters();
  const feed = useInfiniteQuery({
    queryKey: ["anomalies", "feed"],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await client.GET("/api/v1/anomalies", {
          params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: pollMs,
  });
  const all = useMemo(() => feed.data?.pages.flatMap((page) => page.items) ?? [], [feed.data]);
  const shown = useMemo(() => filterAnomalies(all, filters), [all, filters]);
  const reasonCodes = useMemo(
    () => [...new Set(all.flatMap((item) => item.reasons.map((reason) => reason.code)))].sort(),
    [all],
  );
  const total = feed.data?.pages[0]?.total;

  return (
    <section aria-labelledby="feed-title">
      <h1 id="feed-title">Live anomalies</h1>
      <p className="hint">
        New anomalies appear on their own (checked every {Math.round(pollMs / 1000)} s). Keys: ↓/j and ↑/k
        move, Enter opens.
      </p>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Feed filters">
        <Field id="feed-level" label="Level">
          <select
            id="feed-level"
            value={filters.level}
            onChange={(event) =>
              setFilters({ ...filters, level: event.target.value as FeedFilters["level"] })
            }
          >
            <option value="all">all levels</option>
            {LEVELS.map((level) => (
              <option key={level} value={level}>
                {level}
              </option>
            ))}
          </select>
        </Field>
        <Field id="feed-reason" label="Reason">
          <select
            id="feed-reason"
            value={filters.reason}
            onChange={(event) => setFilters({ ...filters, reason: event.target.value })}
          >
            <option value="all">any reason</option>
            {[...new Set([...reasonCodes, ...(filters.reason === "all" ? [] : [filters.reason])])].map(
              (code) => (
                <option key={code} value={code}>
                  {code}
                </option>
              ),
            )}
          </select>
        </Field>
        <Field id="feed-review" label="Review">
          <select
            id="feed-review"
            value={filters.reviewed}
            onChange={(event) =>
              setFilters({ ...filters, reviewed: event.target.value as FeedFilters["reviewed"] })
            }
          >
            <option value="unreviewed">not reviewed</option>
            <option value="reviewed">reviewed</option>
            <option value="all">reviewed or not</option>
          </select>
        </Field>
      </form>
      {feed.error && <ErrorNotice error={feed.error} title="Could not load anomalies" />}
      {feed.isPending ? (
        <Loading what="anomalies" />
      ) : (
        <>
          <p className="count" role="status" aria-live="polite">
            {shown.length} shown of {all.length} loaded
            {total !== undefined ? ` (${total} anomalies stored)` : ""}
          </p>
          {shown.length === 0 ? (
            <Empty>
              {all.length === 0
                ? "No anomalies yet. Ingest transactions (POST /api/v1/batch/transactions) and they appear here."
                : "No anomaly matches these filters."}
            </Empty>
          ) : (
            <AnomalyList items={shown} />
          )}
          {feed.hasNextPage && (
            <button
              type="button"
              onClick={() => void feed.fetchNextPage()}
              disabled={feed.isFetchingNextPage}
            >
              {feed.isFetchingNextPage ? "Loading older…" : "Load older anomalies"}
            </button>
          )}
        </>
      )}
    </section>
  );
}
