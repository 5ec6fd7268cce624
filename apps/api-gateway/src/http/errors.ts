import { ChainwatchError } from "@chainwatch/service-kit";

/** A failure the client caused or must know about; carries its HTTP status. */
export class HttpError extends ChainwatchError {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(code, message, options);
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
}

export const validationError = (message: string, issues: ValidationIssue[]) =>
  new HttpError(400, "VALIDATION_ERROR", message, { details: { issues } });

export const notFound = (message: string) => new HttpError(404, "NOT_FOUND", message);

/** A replica already runs as many jobs of this kind as it may; the client retries after one finishes. */
export const tooManyJobs = (kind: string, limit: number) =>
  new HttpError(
    429,
    "TOO_MANY_JOBS",
    `${limit} ${kind} job(s) already running on this instance; retry later`,
    {
      headers: { "Retry-After": "30" },
      details: { kind, limit },
    },
  );

/** A request the current configuration or state refuses (409, AUTO_BASELINE_DISABLED, …). */
export const stateConflict = (code: string, message: string) => new HttpError(409, code, message);
