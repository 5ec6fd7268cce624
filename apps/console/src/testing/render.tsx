import type { Anomaly, Principal } from "@chainwatch/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { clientFor } from "../api/session.ts";
import { AuthProvider } from "../auth.tsx";

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  body: unknown;
}

type Handler = (request: RecordedRequest) => { status?: number; body: unknown };

/**
 * A fake gateway at the network edge: the real typed client (openapi-fetch) sends real Requests to it, so the
 * views are tested through the same calls, paths and bodies they make in the browser.
 */
export function fakeGateway(routes: Record<string, Handler>) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    const recorded = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    requests.push(recorded);
    const handler = routes[`${request.method} ${url.pathname}`];
    const answer = handler
      ? handler(recorded)
      : { status: 404, body: { code: "NOT_FOUND", message: "no fake route", requestId: "req-fake" } };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

export const ADMIN: Principal = { type: "api_key", id: "key-1", role: "admin", name: "ops" };
export const VIEWER: Principal = { type: "api_key", id: "key-2", role: "viewer", name: "reader" };

export function renderWithGateway(ui: ReactElement, gateway: { fetch: typeof fetch }, principal = ADMIN) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const client = clientFor(
    { kind: "apiKey", apiKey: `cw_${"a".repeat(64)}` },
    {
      baseUrl: "http://gateway.test",
      fetch: gateway.fetch,
    },
  );
  return render(
    <QueryClientProvider client={queryClient}>
      <AuthProvider value={{ client, principal, signOut: () => {} }}>{ui}</AuthProvider>
    </QueryClientProvider>,
  );
}

/** An anomaly as the API answers it; `overrides` set what a test is about. */
export function anomaly(id: number, overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    id: String(id),
    txHash: `0x${id.toString(16).padStart(64, "0")}`,
    modelVersion: "if-000000000001",
    riskScore: 0.8,
    riskLevel: "high",
    reasons: [
      {
        kind: "context",
        code: "sender_burst",
        message: "10 transactions from this sender in about 10 minutes; its usual rate is 0.2/h",
        surprise: 4,
        data: { count: 10 },
      },
    ],
    anomalyScore: 0.5,
    severity: "medium",
    confidence: 0.9,
    features: null,
    explanation: [],
    detectedAt: "2026-12-07T08:00:00.000Z",
    reviewed: false,
    reviewedBy: null,
    reviewedAt: null,
    falsePositive: null,
    reviewNote: null,
    ...overrides,
  };
}
