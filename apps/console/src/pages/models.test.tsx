import type { ModelList } from "@chainwatch/client";
import { screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeGateway, renderWithGateway, VIEWER } from "../testing/render.tsx";
import { ModelsPage } from "./models.tsx";

const version = (name: string, status: "active" | "inactive" | "canary", trafficPercent: number) => ({
  version: name,
  featureSpecVersion: "2",
  checksum: "sha256:x",
  status,
  trafficPercent,
  metadata: {},
  createdBy: "system",
  createdAt: "2026-12-01T00:00:00.000Z",
  statusChangedAt: "2026-12-01T00:00:00.000Z",
});

const registry: ModelList = {
  versions: [version("if-bbbbbbbbbbbb", "inactive", 0), version("if-aaaaaaaaaaaa", "active", 100)],
  activeSet: {
    active: { version: "if-aaaaaaaaaaaa", checksum: "sha256:x", trafficPercent: 100 },
    shadows: [],
    canary: null,
    revision: "3",
  },
  serving: { revision: "3" },
};

describe("models", () => {
  it("deploys a canary only after confirmation, with the chosen share", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/models": () => ({ body: registry }),
      "GET /api/v1/models/drift": () => ({ body: { reports: [] } }),
      "POST /api/v1/models/if-bbbbbbbbbbbb/deploy": () => ({
        body: { changed: true, deployment: null, set: registry.activeSet },
      }),
    });
    renderWithGateway(<ModelsPage />, gateway);
    const user = userEvent.setup();
    await screen.findByText("this gateway serves the registry's latest set");
    // The active version cannot be deployed again from here.
    expect(screen.queryByRole("button", { name: "Deploy if-aaaaaaaaaaaa" })).toBeNull();
    const percent = screen.getByLabelText("Canary traffic percent for if-bbbbbbbbbbbb");
    await user.clear(percent);
    await user.type(percent, "25");
    await user.click(screen.getByRole("button", { name: "Deploy if-bbbbbbbbbbbb" }));

    const dialog = screen.getByRole("alertdialog");
    expect(dialog.textContent).toContain("Deploy if-bbbbbbbbbbbb as canary on 25 % of traffic?");
    expect(gateway.requests.filter((request) => request.method === "POST")).toEqual([]);
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(gateway.requests.filter((request) => request.method === "POST")).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Deploy if-bbbbbbbbbbbb" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Deploy" }));
    await screen.findByText("Versions");
    expect(gateway.requests.filter((request) => request.method === "POST")).toEqual([
      {
        method: "POST",
        path: "/api/v1/models/if-bbbbbbbbbbbb/deploy",
        search: "",
        body: { strategy: "canary", trafficPercent: 25 },
      },
    ]);
  });

  it("rolls back after confirmation and shows the refusal's code when there is nothing to roll back to", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/models": () => ({ body: registry }),
      "GET /api/v1/models/drift": () => ({ body: { reports: [] } }),
      "POST /api/v1/models/rollback": () => ({
        status: 409,
        body: { code: "MODEL_NO_ROLLBACK_TARGET", message: "no earlier version", requestId: "req-rb" },
      }),
    });
    renderWithGateway(<ModelsPage />, gateway);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Roll back…" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Roll back" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(
      "The change was refusedcodeMODEL_NO_ROLLBACK_TARGETmessageno earlier versionrequest idreq-rb",
    );
    expect(gateway.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/api/v1/models/rollback",
      body: {},
    });
  });

  it("shows a viewer the registry without deploy or rollback", async () => {
    renderWithGateway(
      <ModelsPage />,
      fakeGateway({
        "GET /api/v1/models": () => ({ body: registry }),
        "GET /api/v1/models/drift": () => ({ body: { reports: [] } }),
      }),
      VIEWER,
    );
    await screen.findByText("if-bbbbbbbbbbbb");
    await screen.findByText("No drift checks recorded yet.");
    // Comparing and checking drift need models:analyze, which the gateway grants analysts and admins.
    expect(screen.queryByRole("button", { name: /Deploy|Roll back|Compare|Check drift/ })).toBeNull();
    expect(screen.queryByRole("form", { name: "Compare two versions" })).toBeNull();
  });
});
