import type { AddressScreen } from "@chainwatch/client";
import { screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeGateway, renderWithGateway, VIEWER } from "../testing/render.tsx";
import { AddressPage } from "./address.tsx";

const ADDRESS = `0x${"5".repeat(40)}`;

const label = {
  id: "41",
  listId: "desk-watch",
  chainId: 1,
  address: ADDRESS,
  category: "mixer" as const,
  source: null,
  confidence: 0.8,
  note: null,
  createdBy: "api_key:k",
  updatedBy: "api_key:k",
  createdAt: "2026-12-07T08:00:00.000Z",
  updatedAt: "2026-12-07T08:00:00.000Z",
  expiresAt: null,
  list: { id: "desk-watch", name: "Desk watch list", kind: "watch" as const },
  isExpired: false,
};

const screenOf = (labels: AddressScreen["labels"]): AddressScreen => ({
  address: ADDRESS,
  chainId: 1,
  labels,
  transactions: [],
  anomalyCount: 0,
  context: null,
});

const lists = {
  lists: [
    {
      id: "desk-watch",
      name: "Desk watch list",
      kind: "watch",
      description: null,
      source: null,
      createdBy: "a",
      updatedBy: "a",
      createdAt: "2026-12-07T08:00:00.000Z",
      updatedAt: "2026-12-07T08:00:00.000Z",
      labelCount: 1,
    },
    {
      id: "ops-allow",
      name: "Ops allow list",
      kind: "allow",
      description: null,
      source: null,
      createdBy: "a",
      updatedBy: "a",
      createdAt: "2026-12-07T08:00:00.000Z",
      updatedAt: "2026-12-07T08:00:00.000Z",
      labelCount: 0,
    },
  ],
};

describe("address page", () => {
  it("adds a label to the chosen list and removes one, then shows the address as the gateway has it", async () => {
    let labels: AddressScreen["labels"] = [label];
    const gateway = fakeGateway({
      [`GET /api/v1/addresses/${ADDRESS}`]: () => ({ body: screenOf(labels) }),
      "GET /api/v1/lists": () => ({ body: lists }),
      "POST /api/v1/lists/ops-allow/labels": () => {
        labels = [
          ...labels,
          { ...label, id: "42", listId: "ops-allow", category: "exchange", list: lists.lists[1] as never },
        ];
        return { status: 201, body: { label, created: true, updated: false } };
      },
      "DELETE /api/v1/labels/41": () => {
        labels = labels.filter((item) => item.id !== "41");
        return { body: { id: "41", deleted: true } };
      },
    });
    renderWithGateway(<AddressPage address={ADDRESS} />, gateway);
    const user = userEvent.setup();
    await screen.findByText("mixer", { selector: "strong" });
    expect(screen.getByText("No activity recorded for this address.")).toBeTruthy();

    await user.selectOptions(await screen.findByLabelText("List"), "ops-allow");
    await user.selectOptions(screen.getByLabelText("Category"), "exchange");
    await user.type(screen.getByLabelText("Note (optional)"), "Binance hot wallet");
    await user.click(screen.getByRole("button", { name: "Add label" }));
    await screen.findByText("exchange", { selector: "strong" });
    expect(gateway.requests.find((request) => request.method === "POST")).toEqual({
      method: "POST",
      path: "/api/v1/lists/ops-allow/labels",
      search: "",
      body: { address: ADDRESS, category: "exchange", note: "Binance hot wallet" },
    });

    await user.click(screen.getByRole("button", { name: "Remove the mixer label of list Desk watch list" }));
    await waitFor(() => expect(screen.queryByText("mixer", { selector: "strong" })).toBeNull());
    expect(
      gateway.requests.filter((request) => request.method === "DELETE").map((request) => request.path),
    ).toEqual(["/api/v1/labels/41"]);
  });

  it("shows a viewer the labels without the forms", async () => {
    const gateway = fakeGateway({
      [`GET /api/v1/addresses/${ADDRESS}`]: () => ({ body: screenOf([label]) }),
    });
    renderWithGateway(<AddressPage address={ADDRESS} />, gateway, VIEWER);
    await screen.findByText("mixer", { selector: "strong" });
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.queryByText("Add a label")).toBeNull();
  });
});
