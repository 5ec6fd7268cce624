import type { ReactNode } from "react";
import { ApiError } from "../api/errors.ts";

/** A failed request as the analyst can report it: the server's code, message and request id. */
export function ErrorNotice({ error, title = "The request failed" }: { error: unknown; title?: string }) {
  const apiError = error instanceof ApiError ? error : null;
  return (
    <div role="alert" className="notice notice-error">
      <strong>{title}</strong>
      {apiError ? (
        <dl className="error-fields">
          <dt>code</dt>
          <dd>
            <code>{apiError.code}</code>
          </dd>
          <dt>message</dt>
          <dd>{apiError.message}</dd>
          <dt>request id</dt>
          <dd>
            <code>{apiError.requestId ?? "none"}</code>
          </dd>
        </dl>
      ) : (
        <p>{error instanceof Error ? error.message : String(error)}</p>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="notice" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="notice notice-empty">{children}</p>;
}

/** The one place a page decides between loading, error and its content. */
export function QueryState<T>({
  query,
  what,
  children,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.error) return <ErrorNotice error={query.error} title={`Could not load ${what}`} />;
  if (query.isPending || query.data === undefined) return <Loading what={what} />;
  return <>{children(query.data)}</>;
}
