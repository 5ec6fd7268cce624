import type { Severity } from "./types.ts";

// pg returns timestamptz as Date, int8 as string, jsonb parsed; PGlite returns int8 as number. Queries cast
// ids and wei amounts to text so both drivers give one shape, and these helpers absorb the rest.

export function isoOf(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : isoOf(value);
}

export function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

export function severityOf(value: string): Severity {
  return value as Severity;
}

/** A jsonb object column: drivers hand it over parsed, or (some paths) as its text. */
export function jsonObjectOf(value: Record<string, unknown> | string): Record<string, unknown> {
  return typeof value === "string" ? (JSON.parse(value) as Record<string, unknown>) : value;
}

export function jsonArrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
