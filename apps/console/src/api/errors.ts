/** A refusal from the gateway, carrying its stable `{ code, message, requestId }` body for the analyst to quote. */
export class ApiError extends Error {
  readonly code: string;
  readonly requestId: string | null;
  readonly status: number;

  constructor(status: number, body: { code?: unknown; message?: unknown; requestId?: unknown } | undefined) {
    const message = typeof body?.message === "string" ? body.message : `the gateway answered ${status}`;
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof body?.code === "string" ? body.code : `HTTP_${status}`;
    this.requestId = typeof body?.requestId === "string" ? body.requestId : null;
  }
}

/**
 * The `data` of an openapi-fetch answer, or an ApiError built from its error body. Views then deal with one
 * shape of failure; the request id stays attached so a report can be traced in the gateway's logs.
 */
export function unwrap<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.error !== undefined || answer.data === undefined) {
    const body = (typeof answer.error === "object" && answer.error !== null ? answer.error : undefined) as
      | { code?: unknown; message?: unknown; requestId?: unknown }
      | undefined;
    throw new ApiError(answer.response.status, body);
  }
  return answer.data;
}
