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
