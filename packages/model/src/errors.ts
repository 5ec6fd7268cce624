export type ValidationIssue = { path: string; message: string };

/** Thrown for a transaction that cannot be scored; `issues` lists every offending field, not just the first. */
export class TransactionValidationError extends Error {
  readonly code = "VALIDATION_ERROR";
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], options?: { cause?: unknown }) {
    const summary = issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ");
    super(`invalid transaction: ${summary}`, options);
    this.name = "TransactionValidationError";
    this.issues = issues;
  }
}

export type ModelFileErrorCode = "MODEL_INVALID" | "MODEL_CHECKSUM_MISMATCH" | "MODEL_FEATURE_SPEC_MISMATCH";

/** A model file that must not be served: malformed, tampered with, or built for another feature spec. */
export class ModelFileError extends Error {
  readonly code: ModelFileErrorCode;

  constructor(code: ModelFileErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelFileError";
    this.code = code;
  }
}

export type DriftErrorCode = "DRIFT_REFERENCE_MISSING" | "DRIFT_INPUT_INVALID";

/** Drift cannot be computed: a model file from before drift references, or recent features of the wrong shape. */
export class DriftError extends Error {
  readonly code: DriftErrorCode;

  constructor(code: DriftErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DriftError";
    this.code = code;
  }
}

export const TRAINING_ERROR_CODES = [
  "TRAINING_NO_ROWS",
  "TRAINING_BAD_ROW",
  "TRAINING_TOO_MANY_ROWS",
  "TRAINING_ABORTED",
  "TRAINING_FAILED",
] as const;

export type TrainingErrorCode = (typeof TRAINING_ERROR_CODES)[number];

/**
 * Training that cannot produce a model: no usable rows, a bad row in a file read with onBadRow "fail",
 * more rows than the caller allowed (a memory bound), cancelled, or a worker that failed. Bad parameters are RangeErrors, as in trainModel.
 */
export class TrainingError extends Error {
  readonly code: TrainingErrorCode;

  constructor(code: TrainingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TrainingError";
    this.code = code;
  }
}
