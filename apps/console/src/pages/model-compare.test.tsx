import type { ModelComparison, ModelList } from "@chainwatch/client";
import { screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGateway, renderWithGateway } from "../testing/render.tsx";
import { ModelsPage } from "./models.tsx";

const version = (name: string, status: "active" | "inactive") => ({
  version: name,
  featureSpecVersion: "2",
  checksum: "sha256:x",
  status,
  trafficPercent: status === "active" ? 100 : 0,
  metadata: {},
  createdBy: "system",
  createdAt: "2026-12-01T00:00:00.000Z",
  statusChangedAt: "2026-12-01T00:00:00.000Z",
});

const registry: ModelList = {
  versions: [version("if-bbbbbbbbbbbb", "inactive"), version("if-aaaaaaaaaaaa", "active")],
  activeSet: {
    active: { version: "if-aaaaaaaaaaaa", checksum: "sha256:x", trafficPercent: 100 },
    shadows: [],
    canary: null,
    revision: "3",
  },
  serving: { revision: "3" },
};

const side = (name: string, overrides: Partial<ModelComparison["versions"][0]>) => ({
  version: name,
  predictions: 0,
  anomalies: 0,
  anomalyRate: null,
  scoreQuantiles: null,
  reviewed: 0,
  falsePositives: 0,
  falsePositiveRate: null,
  ...overrides,
});

const comparison: ModelComparison = {
  since: "2026-12-07T11:00:00.000Z",
  until: "2026-12-07T12:00:00.000Z",
  versions: [
    side("if-aaaaaaaaaaaa", {
      predictions: 1000,
      anomalies: 20,
      anomalyRate: 0.02,
      scoreQuantiles: { p50: 0.41, p90: 0.52, p99: 0.61 },
      reviewed: 10,
      falsePositives: 4,
      falsePositiveRate: 0.4,
    }),
    side("if-bbbbbbbbbbbb", {
      predictions: 1000,
      anomalies: 35,
      anomalyRate: 0.035,
      scoreQuantiles: { p50: 0.43, p90: 0.55, p99: 0.66 },
    }),
  ],
  agreement: {
    scoredByBoth: 1000,
    bothAnomalous: 18,
    bothNormal: 963,
    onlyFirstAnomalous: 2,
    onlySecondAnomalous: 17,
    agreementRate: 0.981,
  },
};

function gatewayAnswering(answer: { status?: number; body: unknown }) {
  return fakeGateway({
    "GET /api/v1/models": () => ({ body: registry }),
    "GET /api/v1/models/drift": () => ({ body: { reports: [] } }),
    "POST /api/v1/models/compare": () => answer,
  });
}

const rowsOf = (table: HTMLElement) =>
  within(table)
    .getAllByRole("row")
    .map((row) => [...row.querySelectorAll("th, td")].map((cell) => cell.textContent).join("|"));

describe("comparing two model versions", () => {
  beforeEach(() => {
    // Only the clock: the window is computed from now, and user-event needs real timers.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-07T12:00:00.000Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("compares the active version with another over the chosen window and shows both side by side", async () => {
    const gateway = gatewayAnswering({ body: comparison });
    renderWithGateway(<ModelsPage />, gateway);
    const user = userEvent.setup();
    const form = await screen.findByRole("form", { name: "Compare two versions" });
    // The active model first, a candidate second.
    expect(within(form).getByLabelText<HTMLSelectElement>("First version").value).toBe("if-aaaaaaaaaaaa");
    expect(within(form).getByLabelText<HTMLSelectElement>("Second version").value).toBe("if-bbbbbbbbbbbb");
    await user.selectOptions(within(form).getByLabelText("Window"), "last 1 h");
    await user.click(within(form).getByRole("button", { name: "Compare" }));

    const table = await screen.findByRole("table", { name: /^Compared from / });
    expect(gateway.requests.filter((request) => request.method === "POST")).toEqual([
      {
        method: "POST",
        path: "/api/v1/models/compare",
        search: "",
        body: {
          versions: ["if-aaaaaaaaaaaa", "if-bbbbbbbbbbbb"],
          since: "2026-12-07T11:00:00.000Z",
          until: "2026-12-07T12:00:00.000Z",
        },
      },
    ]);
    expect(rowsOf(table)).toEqual([
      "measure|if-aaaaaaaaaaaa|if-bbbbbbbbbbbb",
      "transactions scored|1000|1000",
      "anomalies|20|35",
      "flag rate|2.0 %|3.5 %",
      "score p50|0.41|0.43",
      "score p90|0.52|0.55",
      "score p99|0.61|0.66",
      "reviewed anomalies|10|0",
      "false positives|4|0",
      "false-positive rate|40.0 %|–",
    ]);
    expect(screen.getByLabelText("Agreement").textContent).toBe(
      "scored by both1000agreement98.1 %both anomalous18both normal963only if-aaaaaaaaaaaa anomalous2only if-bbbbbbbbbbbb anomalous17",
    );
  });

  it("says so when neither version scored anything in the window", async () => {
    renderWithGateway(
      <ModelsPage />,
      gatewayAnswering({
        body: {
          ...comparison,
          versions: [side("if-aaaaaaaaaaaa", {}), side("if-bbbbbbbbbbbb", {})],
          agreement: { ...comparison.agreement, scoredByBoth: 0, agreementRate: null },
        },
      }),
    );
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Compare" }));
    expect((await screen.findByText(/^Neither version scored a transaction from /)).textContent).toMatch(
      /^Neither version scored a transaction from .+ to .+\.$/,
    );
    expect(screen.queryByRole("table", { name: /^Compared from / })).toBeNull();
  });

  it("shows the refusal's code, message and request id", async () => {
    renderWithGateway(
      <ModelsPage />,
      gatewayAnswering({
        status: 404,
        body: { code: "MODEL_NOT_FOUND", message: "no model if-bbbbbbbbbbbb", requestId: "req-cmp" },
      }),
    );
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Compare" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "The comparison failedcodeMODEL_NOT_FOUNDmessageno model if-bbbbbbbbbbbbrequest idreq-cmp",
    );
  });

  it("does not send a version compared with itself", async () => {
    const gateway = gatewayAnswering({ body: comparison });
    renderWithGateway(<ModelsPage />, gateway);
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText("Second version"), "if-aaaaaaaaaaaa");
    expect(screen.getByRole("button", { name: "Compare" }).hasAttribute("disabled")).toBe(true);
    screen.getByText("Pick two different versions.");
    expect(gateway.requests.filter((request) => request.method === "POST")).toEqual([]);
  });
});
