import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envBoolean, parseEnv } from "./env.ts";
import { ConfigError } from "./errors.ts";

const Schema = z.object({ PORT: z.coerce.number().int().default(8080), ENABLED: envBoolean.default(false) });

describe("parseEnv", () => {
  it("coerces values, applies defaults and treats empty strings as unset", () => {
    expect(parseEnv(Schema, { PORT: "9000", ENABLED: "yes" })).toEqual({ PORT: 9000, ENABLED: true });
    expect(parseEnv(Schema, { PORT: "", ENABLED: "off" })).toEqual({ PORT: 8080, ENABLED: false });
  });

  it("lists every invalid variable in one ConfigError", () => {
    try {
      parseEnv(Schema, { PORT: "x", ENABLED: "maybe" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("CONFIG_INVALID");
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/ENABLED/);
    }
  });
});
