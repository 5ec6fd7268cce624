import type { paths } from "@chainwatch/client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { Field } from "./field.tsx";

const LEVELS = ["low", "medium", "high", "critical"] as const;
const REASON_KINDS = ["model", "context", "label", "rule"] as const;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const STORAGE_KEY = "chainwatch.console.feed";

export interface FeedFilters {
  level: "all" | (typeof LEVELS)[number];
  reason: string;
  reasonKind: "all" | (typeof REASON_KINDS)[number];
  reviewed: "unreviewed" | "reviewed" | "all";
  /** A full address or "" (a partial one is not sent: it would match nothing). */
  address: string;
  listId: string;
}

export const DEFAULT_FILTERS: FeedFilters = {
  level: "all",
  reason: "all",
  reasonKind: "all",
  reviewed: "unreviewed",
  address: "",
  listId: "all",
};

type AnomalyQuery = NonNullable<paths["/api/v1/anomalies"]["get"]["parameters"]["query"]>;

/** The filters as the gateway's query parameters: it filters, so every page it sends is all matches. */
export function queryOf(filters: FeedFilters): AnomalyQuery {
  return {
    ...(filters.level === "all" ? {} : { level: filters.level }),
    ...(filters.reviewed === "all" ? {} : { reviewed: filters.reviewed === "reviewed" ? "true" : "false" }),
    ...(filters.reason === "all" ? {} : { reasonCode: filters.reason }),
    ...(filters.reasonKind === "all" ? {} : { reasonKind: filters.reasonKind }),
    ...(filters.address ? { address: filters.address.toLowerCase() } : {}),
    ...(filters.listId === "all" ? {} : { listId: filters.listId }),
  };
}

/** Filters survive a trip to a detail page and back within the tab. */
export function useStoredFilters(): [FeedFilters, (next: FeedFilters) => void] {
  const [filters, setFilters] = useState<FeedFilters>(() => {
    try {
      const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null") as Partial<FeedFilters> | null;
      return stored ? { ...DEFAULT_FILTERS, ...stored } : DEFAULT_FILTERS;
    } catch {
      return DEFAULT_FILTERS;
    }
  });
  return [
    filters,
    (next) => {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
      setFilters(next);
    },
  ];
}

/**
 * The feed's filters, all applied by the gateway. Reason codes offered are those seen in the feed so far;
 * lists come from the screening API. No chain filter: stored transactions carry no chain id yet (one
 * deployment watches one chain, docs/alerts.md).
 */
export function FeedFilterForm({
  filters,
  onChange,
  reasonCodes,
}: {
  filters: FeedFilters;
  onChange: (next: FeedFilters) => void;
  reasonCodes: readonly string[];
}) {
  const { client } = useAuth();
  const lists = useQuery({
    queryKey: ["lists"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/lists", { signal })),
    staleTime: 60_000,
  });
  const [address, setAddress] = useState(filters.address);
  const isPartial = address.trim() !== "" && !ADDRESS.test(address.trim());
  const set = <K extends keyof FeedFilters>(key: K, value: FeedFilters[K]) =>
    onChange({ ...filters, [key]: value });
  const codes = [...new Set([...reasonCodes, ...(filters.reason === "all" ? [] : [filters.reason])])].sort();
  return (
    <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Feed filters">
      <Field id="feed-level" label="Level">
        <select
          id="feed-level"
          value={filters.level}
          onChange={(event) => set("level", event.target.value as FeedFilters["level"])}
        >
          <option value="all">all levels</option>
          {LEVELS.map((level) => (
            <option key={level} value={level}>
              {level}
            </option>
          ))}
        </select>
      </Field>
      <Field id="feed-kind" label="Reason kind">
        <select
          id="feed-kind"
          value={filters.reasonKind}
          onChange={(event) => set("reasonKind", event.target.value as FeedFilters["reasonKind"])}
        >
          <option value="all">any kind</option>
          {REASON_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kind}
            </option>
          ))}
        </select>
      </Field>
      <Field id="feed-reason" label="Reason">
        <select
          id="feed-reason"
          value={filters.reason}
          onChange={(event) => set("reason", event.target.value)}
        >
          <option value="all">any reason</option>
          {codes.map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </Field>
      <Field id="feed-review" label="Review">
        <select
          id="feed-review"
          value={filters.reviewed}
          onChange={(event) => set("reviewed", event.target.value as FeedFilters["reviewed"])}
        >
          <option value="unreviewed">not reviewed</option>
          <option value="reviewed">reviewed</option>
          <option value="all">reviewed or not</option>
        </select>
      </Field>
      <Field id="feed-list" label="Labelled on">
        <select id="feed-list" value={filters.listId} onChange={(event) => set("listId", event.target.value)}>
          <option value="all">any list or none</option>
          {(lists.data?.lists ?? []).map((list) => (
            <option key={list.id} value={list.id}>
              {list.name} ({list.kind})
            </option>
          ))}
        </select>
      </Field>
      <div className="field">
        <label htmlFor="feed-address">Address (sender or recipient)</label>
        <input
          id="feed-address"
          className="mono"
          value={address}
          placeholder="0x…"
          aria-invalid={isPartial}
          aria-describedby={isPartial ? "feed-address-hint" : undefined}
          onChange={(event) => {
            const text = event.target.value;
            setAddress(text);
            // Applied once whole (or cleared): each keystroke of a partial address would match nothing.
            if (text.trim() === "" || ADDRESS.test(text.trim())) set("address", text.trim());
          }}
        />
        {isPartial && (
          <span id="feed-address-hint" className="hint">
            0x and 40 hex digits
          </span>
        )}
      </div>
    </form>
  );
}
