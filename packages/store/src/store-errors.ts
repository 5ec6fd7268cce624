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

export type ModelRegistryErrorCode =
  /** No model version with that name is registered (HTTP 404). */
  | "MODEL_NOT_FOUND"
  /** The version is registered with another checksum: versions are immutable (409). */
  | "MODEL_VERSION_CONFLICT"
  /** The change does not fit the current rollout state, e.g. canary without an active model (409). */
  | "MODEL_STATE_CONFLICT"
  /** Rollback has nowhere to go: no earlier active version, or it was retired since (409). */
  | "MODEL_NO_ROLLBACK_TARGET";

/** A registry change refused because of what is registered or deployed; `details` says what. */
export class ModelRegistryError extends ChainwatchError {
  declare readonly code: ModelRegistryErrorCode;

  constructor(code: ModelRegistryErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
  }
}

export function isModelRegistryError(error: unknown): error is ModelRegistryError {
  return error instanceof ModelRegistryError;
}

export type LabelStoreErrorCode =
  /** The label list named by an import or a label does not exist (HTTP 404). */
  "LABEL_LIST_NOT_FOUND";

/** A label write refused because of what is stored (not because of its shape: that is StoreValidationError). */
export class LabelStoreError extends ChainwatchError {
  declare readonly code: LabelStoreErrorCode;

  constructor(code: LabelStoreErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
  }
}

export function isLabelStoreError(error: unknown): error is LabelStoreError {
  return error instanceof LabelStoreError;
}
