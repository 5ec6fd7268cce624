import { ChainwatchError, type Logger } from "@chainwatch/service-kit";
import { HttpError } from "./errors.ts";

export interface ErrorBody {
  code: string;
  message: string;
  requestId: string;
  details?: unknown;
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** Errors that body-parser and friends attach a `type` and `status` to. */
interface ExpressBodyError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Codes that packages raise, mapped to HTTP in this one place. */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_ERROR: 400,
  NOT_FOUND: 404,
  SERVICE_UNAVAILABLE: 503,
  // @chainwatch/scoring: the write-behind queue has no room for a predict call's records (load shed).
  STORE_BACKLOGGED: 503,
  // ModelRegistryError (model lifecycle)
  MODEL_NOT_FOUND: 404,
  MODEL_VERSION_CONFLICT: 409,
  MODEL_STATE_CONFLICT: 409,
  MODEL_NO_ROLLBACK_TARGET: 409,
  // Drift checks: the window holds no traffic, or the active model predates drift references.
  DRIFT_NO_TRAFFIC: 409,
  DRIFT_REFERENCE_MISSING: 409,
  // LabelStoreError: a label write names a list that does not exist.
  LABEL_LIST_NOT_FOUND: 404,
  // @chainwatch/alerts: a destination URL the SSRF guard refuses; webhooks without ALERT_SECRET_KEY.
  DESTINATION_TARGET_REFUSED: 400,
  ALERT_SECRET_KEY_MISSING: 409,
  ALERT_SECRET_UNREADABLE: 409,
};

/** Seconds a client should wait before retrying, for codes that shed load. */
const RETRY_AFTER_BY_CODE: Record<string, number> = { STORE_BACKLOGGED: 1 };

/**
 * The single place where any thrown value becomes an HTTP answer. Internals (stack, SQL, hosts) never
 * reach the body: unknown errors are a generic 500 whose detail is only in the log, under the request id.
 */
export function mapError(error: unknown, requestId: string): MappedError {
  const body = (status: number, code: string, message: string, details?: unknown, headers = {}) => ({
    status,
    headers,
    body: { code, message, requestId, ...(details === undefined ? {} : { details }) },
  });

  if (error instanceof HttpError)
    return body(error.status, error.code, error.message, error.details, error.headers);
  if (error instanceof ChainwatchError && error.code in STATUS_BY_CODE) {
    return body(
      STATUS_BY_CODE[error.code] ?? 500,
      error.code,
      error.message,
      error.details,
      RETRY_AFTER_BY_CODE[error.code] === undefined
        ? {}
        : { "Retry-After": String(RETRY_AFTER_BY_CODE[error.code]) },
    );
  }
  const bodyError = error as ExpressBodyError;
  switch (bodyError?.type) {
    case "entity.parse.failed":
      return body(400, "MALFORMED_JSON", "request body is not valid JSON");
    case "entity.too.large":
      return body(413, "PAYLOAD_TOO_LARGE", `request body exceeds ${bodyError.limit} bytes`);
    case "encoding.unsupported":
    case "charset.unsupported":
      return body(415, "UNSUPPORTED_ENCODING", "request body encoding is not supported");
    case "request.aborted":
      return body(400, "REQUEST_ABORTED", "request was aborted by the client");
    case "request.size.invalid":
      return body(400, "BAD_REQUEST", "request body length does not match Content-Length");
    case "stream.encoding.set":
    case "stream.not.readable":
      return body(400, "BAD_REQUEST", "request body could not be read");
  }
  if (typeof bodyError?.status === "number" && bodyError.status >= 400 && bodyError.status < 500) {
    return body(bodyError.status, "BAD_REQUEST", "bad request");
  }
  return body(500, "INTERNAL", "internal error");
}

export function logMappedError(logger: Logger, error: unknown, mapped: MappedError): void {
  const fields = { requestId: mapped.body.requestId, status: mapped.status, code: mapped.body.code };
  // Shed load is the intended answer to overload, one per refused request: counted in http_errors_total,
  // logged like a rejection, not as a failure with a stack.
  if (mapped.body.code in RETRY_AFTER_BY_CODE) logger.info(fields, "request shed");
  else if (mapped.status >= 500) logger.error({ ...fields, err: error }, "request failed");
  else logger.info(fields, "request rejected");
}
