import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { AnomalyList } from "../components/anomaly-list.tsx";
import { DEFAULT_FILTERS, FeedFilterForm, queryOf, useStoredFilters } from "../components/feed-filters.tsx";
import { Empty, ErrorNotice, Loading } from "../components/states.tsx";

/** How often the newest page is asked for again; the gateway caches pages until a new anomaly lands. */
export const FEED_POLL_MS = 2_000;
const PAGE_SIZE = 100;

export function FeedPage({ pollMs = FEED_POLL_MS }: { pollMs?: number }) {
  const { client } = useAuth();
  const [filters, setFilters] = useStoredFilters();
  const query = queryOf(filters);
  const feed = useInfiniteQuery({
    queryKey: ["anomalies", "feed", query],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await client.GET("/api/v1/anomalies", {
          params: { query: { limit: PAGE_SIZE, ...query, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: pollMs,
  });
  const all = useMemo(() => feed.data?.pages.flatMap((page) => page.items) ?? [], [feed.data]);
  // Codes seen in this tab's feed, kept when a filter hides the anomalies that carried them.
  const seenCodes = useRef(new Set<string>());
  for (const item of all) for (const reason of item.reasons) seenCodes.current.add(reason.code);
  const total = feed.data?.pages[0]?.total;
  const isFiltered = JSON.stringify(query) !== "{}";
  // Only asked when a filtered feed is empty: whether nothing matches, or nothing was stored yet.
  const stats = useQuery({
    queryKey: ["anomalies", "stats"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/anomalies/stats", { signal })),
    enabled: all.length === 0 && !feed.isPending && isFiltered,
    refetchInterval: pollMs,
  });
  const isStoreEmpty = !isFiltered || stats.data?.total === 0;
  // Remounts the form on a reset, so its half-typed address goes too.
  const [resets, setResets] = useState(0);
  const isDefault = JSON.stringify(filters) === JSON.stringify(DEFAULT_FILTERS);

  return (
    <section aria-labelledby="feed-title">
      <h1 id="feed-title">Live anomalies</h1>
      <p className="hint">
        New anomalies appear on their own (checked every {Math.round(pollMs / 1000)} s). Keys: ↓/j and ↑/k
        move, Page Up/Down and Home/End jump, Enter opens.
      </p>
      <FeedFilterForm
        key={resets}
        filters={filters}
        onChange={setFilters}
        reasonCodes={[...seenCodes.current]}
      />
      {!isDefault && (
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setFilters(DEFAULT_FILTERS);
            setResets((count) => count + 1);
          }}
        >
          Reset filters
        </button>
      )}
      {feed.error && <ErrorNotice error={feed.error} title="Could not load anomalies" />}
      {feed.isPending ? (
        <Loading what="anomalies" />
      ) : (
        <>
          <p className="count" role="status" aria-live="polite">
            {all.length} loaded of {total ?? all.length} {isFiltered ? "matching" : "stored"}
          </p>
          {all.length === 0 ? (
            <Empty>
              {isStoreEmpty
                ? "No anomalies yet. Ingest transactions (POST /api/v1/batch/transactions) and they appear here."
                : "No anomaly matches these filters."}
            </Empty>
          ) : (
            <AnomalyList items={all} />
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
