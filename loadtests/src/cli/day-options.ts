import { TRAFFIC_STYLES, type TrafficStyle } from "../detection/traffic-options.ts";

/*
 * The options every benchmark of the contextual day takes (--seed, --style, --hours, --addresses,
 * --batch-size), parsed and checked one way: a bad value exits 2 with a message naming the option.
 */

/** For parseArgs: the day's options, all strings so they are checked here. */
export const DAY_OPTIONS = {
  seed: { type: "string" },
  style: { type: "string", default: "default" },
  hours: { type: "string" },
  addresses: { type: "string" },
  "batch-size": { type: "string", default: "500" },
} as const;

/** `pnpm … bench:x -- --seed 3` passes the "--" through; it separates nothing here. */
export const cliArgs = () => process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--"));

export const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};

export const positive = (name: string, text: string | undefined, isInteger = true): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0) || (isInteger && !Number.isInteger(value)))
    fail(`--${name} must be a positive ${isInteger ? "integer" : "number"}, got ${text}`);
  return value;
};

export interface DayOptions {
  style: TrafficStyle;
  seed?: number;
  hours?: number;
  addresses?: number;
  batchSize: number;
}

export function parseDayOptions(values: {
  seed?: string;
  style?: string;
  hours?: string;
  addresses?: string;
  "batch-size"?: string;
}): DayOptions {
  const style = (values.style ?? "default") as TrafficStyle;
  if (!TRAFFIC_STYLES.includes(style)) fail(`--style must be one of ${TRAFFIC_STYLES.join(", ")}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
    fail("--seed must be a uint32");
  const hours = positive("hours", values.hours, false);
  const addresses = positive("addresses", values.addresses);
  return {
    style,
    ...(seed === undefined ? {} : { seed }),
    ...(hours === undefined ? {} : { hours }),
    ...(addresses === undefined ? {} : { addresses }),
    batchSize: positive("batch-size", values["batch-size"]) ?? 500,
  };
}
