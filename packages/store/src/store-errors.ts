import { ChainwatchError } from "@chainwatch/service-kit";

/**
 * Input the store refuses (a malformed cursor, an out-of-range limit, a record that breaks the schema).
 * Retrying cannot help, so the write-behind queue discards a batch that fails with it instead of retrying.
 */
export class StoreValidationError extends ChainwatchError {
  constructor(message: string, details?: unknown) {
    super("VALIDATION_ERROR", message, { details });
  }
}

export function isStoreValidationError(error: unknown): error is StoreValidationError {
  return error instanceof StoreValidationError;
}
