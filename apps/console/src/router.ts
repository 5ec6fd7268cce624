import { useSyncExternalStore } from "react";

/**
 * The console's places. Hash routing keeps every page under the one `/console` URL the gateway serves
 * (it has no catch-all route, on purpose), and a reload or a shared link lands on the same page.
 */
export type Route =
  | { page: "feed" }
  | { page: "transaction"; hash: string; anomalyId: string | null }
  | { page: "address"; address: string }
  | { page: "models" }
  | { page: "stream" }
  | { page: "alerts" }
  | { page: "suppressions" }
  | { page: "access" }
  | { page: "settings" }
  | { page: "not-found"; path: string };

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts.length === 0) return { page: "feed" };
  const [head, value] = parts;
  if (head === "tx" && value && parts.length === 2)
    return { page: "transaction", hash: value, anomalyId: params.get("anomaly") };
  if (head === "address" && value && parts.length === 2) return { page: "address", address: value };
  if (
    parts.length === 1 &&
    (head === "models" ||
      head === "stream" ||
      head === "alerts" ||
      head === "suppressions" ||
      head === "access" ||
      head === "settings")
  )
    return { page: head };
  return { page: "not-found", path };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case "feed":
      return "#/";
    case "transaction":
      return `#/tx/${encodeURIComponent(route.hash)}${route.anomalyId ? `?anomaly=${encodeURIComponent(route.anomalyId)}` : ""}`;
    case "address":
      return `#/address/${encodeURIComponent(route.address)}`;
    case "not-found":
      return `#/${route.path}`;
    default:
      return `#/${route.page}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

const subscribe = (onChange: () => void) => {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
