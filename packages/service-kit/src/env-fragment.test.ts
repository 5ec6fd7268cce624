import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envBoolean } from "./env.ts";
import { composeEnvSchema, envFragment, renderEnvExample } from "./env-fragment.ts";

const http = envFragment("HTTP", {
  PORT: z.coerce.number().default(8080).describe("Port to listen on."),
  HOST: z.string().optional().meta({ description: "Interface to bind.", example: "0.0.0.0" }),
});
const flags = envFragment("Flags", { ENABLED: envBoolean.default(false).describe("Turns it on.") });

describe("env fragments", () => {
  it("composes one schema and refuses a key defined twice", () => {
    const schema = composeEnvSchema([http, flags]);
    expect(schema.parse({ PORT: "81", ENABLED: "yes" })).toEqual({ PORT: 81, ENABLED: true });
    expect(() => composeEnvSchema([http, envFragment("Again", { PORT: z.string() })])).toThrow(
      "env key PORT is defined by two fragments",
    );
  });

  it("renders .env.example with descriptions, defaults, and examples for settings without a default", () => {
    expect(renderEnvExample({ app: "demo", regenerate: "pnpm env:example", fragments: [http, flags] })).toBe(
      [
        "# Chainwatch demo: every setting, with its default. Generated from the env schema: do not edit,",
        "# run `pnpm env:example`.",
        "",
        "# --- HTTP",
        "# Port to listen on.",
        "PORT=8080",
        "# Interface to bind.",
        "# HOST=0.0.0.0",
        "",
        "# --- Flags",
        "# Turns it on.",
        "ENABLED=false",
        "",
      ].join("\n"),
    );
  });
});
