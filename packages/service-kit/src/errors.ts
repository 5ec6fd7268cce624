/**
 * Base for errors that cross a boundary (HTTP, Kafka, CLI). `code` is stable and machine-readable;
 * the HTTP layer maps codes to status codes in one place, so packages never speak HTTP.
 */
export class ChainwatchError extends Error {
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

export class ConfigError extends ChainwatchError {
  constructor(message: string, details?: unknown) {
    super("CONFIG_INVALID", message, { details });
  }
}
