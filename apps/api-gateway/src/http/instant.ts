import { z } from "zod";

const EARLIEST_MS = Date.UTC(1970, 0, 1);
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An ISO 8601 date-time with an offset, that exists (zod checks the calendar: no 30 February) and lies
 * within 1970-01-01..9999-12-31. PostgreSQL refuses years such as 0000, and that refusal used to surface as
 * a 503 DATABASE_UNAVAILABLE; out-of-range instants are now a 400 here instead.
 */
export const instantSchema = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `${name} must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z` })
    .refine(
      (value) => {
        const ms = Date.parse(value);
        return ms >= EARLIEST_MS && ms <= LATEST_MS;
      },
      { error: `${name} must lie between 1970-01-01 and 9999-12-31` },
    );

/** An instant as the API writes it in responses (`Date#toISOString()`: UTC, milliseconds). */
export const TimestampSchema = z.iso
  .datetime({ offset: true })
  .meta({ id: "Timestamp", description: "ISO 8601 date-time, e.g. 2026-01-31T12:00:00.000Z" });
