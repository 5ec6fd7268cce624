import { type Logger, pino } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where log lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/** Structured JSON logs; secrets that might reach a log object by accident are redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? "info",
      base: { service: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "password",
          "*.password",
          "apiKey",
          "*.apiKey",
          "token",
          "*.token",
          "headers.authorization",
          'headers["x-api-key"]',
          "req.headers.authorization",
          'req.headers["x-api-key"]',
        ],
        censor: "[redacted]",
      },
    },
    options.destination ?? process.stdout,
  );
}
