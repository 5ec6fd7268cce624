import { isCI } from "@chainwatch/testing";
import { describe, it } from "vitest";
import { anvilBinary } from "./anvil.ts";

/** Like describeWithServices: without anvil the suite is skipped locally and fails under CI=true. */
export function describeWithAnvil(name: string, body: () => void): void {
  if (anvilBinary()) {
    describe(name, body);
    return;
  }
  const why = "the anvil binary is missing (pnpm install brings @foundry-rs/anvil; or set ANVIL_BIN)";
  if (isCI) {
    describe(name, () => {
      it("has anvil", () => {
        throw new Error(`${why}; CI=true: a missing node fails`);
      });
    });
    return;
  }
  describe.skip(`${name} (skipped: ${why})`, body);
}
