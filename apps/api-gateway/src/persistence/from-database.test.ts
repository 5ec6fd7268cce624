import { ChainwatchError } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { fromDatabase } from "./from-database.ts";

const failing = (error: unknown) => fromDatabase(Promise.reject(error));

describe("fromDatabase", () => {
  it("maps a data exception (SQLSTATE class 22) to 400, any other driver error to 503", async () => {
    await expect(
      failing(Object.assign(new Error("date/time field value out of range"), { code: "22008" })),
    ).rejects.toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    await expect(
      failing(Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" })),
    ).rejects.toMatchObject({ status: 503, code: "DATABASE_UNAVAILABLE" });
    await expect(
      failing(Object.assign(new Error("admin shutdown"), { code: "57P01" })),
    ).rejects.toMatchObject({
      status: 503,
    });
  });

  it("keeps the store's own typed errors", async () => {
    const typed = new ChainwatchError("MODEL_NOT_FOUND", "no such model");
    await expect(failing(typed)).rejects.toBe(typed);
  });
});
