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
      <FilterSelect
        id="feed-level"
        label="Level"
        value={filters.level}
        anyLabel="all levels"
        options={LEVELS.map((level) => ({ value: level, label: level }))}
        onChange={(value) => set("level", value as FeedFilters["level"])}
      />
      <FilterSelect
        id="feed-kind"
        label="Reason kind"
        value={filters.reasonKind}
        anyLabel="any kind"
        options={REASON_KINDS.map((kind) => ({ value: kind, label: kind }))}
        onChange={(value) => set("reasonKind", value as FeedFilters["reasonKind"])}
      />
      <FilterSelect
        id="feed-reason"
        label="Reason"
        value={filters.reason}
        anyLabel="any reason"
        options={codes.map((code) => ({ value: code, label: code }))}
        onChange={(value) => set("reason", value)}
      />
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
      <FilterSelect
        id="feed-list"
        label="Labelled on"
        value={filters.listId}
        anyLabel="any list or none"
        options={(lists.data?.lists ?? []).map((list) => ({
          value: list.id,
          label: `${list.name} (${list.kind})`,
        }))}
        onChange={(value) => set("listId", value)}
      />
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

/** One filter: "all" (shown as `anyLabel`) or one of the options. */
function FilterSelect({
  id,
  label,
  value,
  anyLabel,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  anyLabel: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <Field id={id} label={label}>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="all">{anyLabel}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
