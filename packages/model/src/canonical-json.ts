/**
 * JSON with object keys sorted at every level, so the same content always yields the same bytes (and the
 * same checksum) whatever order the object was built in. Numbers use JavaScript's shortest round-trip
 * form, which is stable for a given value.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const entry = (value as Record<string, unknown>)[key];
      if (entry !== undefined) sorted[key] = sortKeys(entry);
    }
    return sorted;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new RangeError(`cannot serialise non-finite number ${value}`);
  }
  return value;
}
