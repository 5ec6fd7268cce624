import {
  type ChainwatchClient,
  createChainwatchClient,
  type Principal,
  type Session,
} from "@chainwatch/client";
import { unwrap } from "./errors.ts";

/** How the analyst signed in: an API key, or a user session's access token. */
export type Credential =
  | { kind: "apiKey"; apiKey: string }
  | { kind: "session"; accessToken: string; refreshToken?: string };

/**
 * Kept in sessionStorage: it survives a reload of the tab, not the tab itself, and no other tab or site can
 * read it. Losing it on close is deliberate: a console left open on a shared screen should not outlive its tab.
 */
const STORAGE_KEY = "chainwatch.console.credential";

export function loadCredential(storage: Storage = sessionStorage): Credential | null {
  const raw = storage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<Credential> & Record<string, unknown>;
    if (parsed.kind === "apiKey" && typeof parsed.apiKey === "string")
      return { kind: "apiKey", apiKey: parsed.apiKey };
    if (parsed.kind === "session" && typeof parsed.accessToken === "string")
      return {
        kind: "session",
        accessToken: parsed.accessToken,
        ...(typeof parsed.refreshToken === "string" ? { refreshToken: parsed.refreshToken } : {}),
      };
  } catch {
    // A damaged entry is the same as none: the login form is shown.
  }
  return null;
}

export function saveCredential(credential: Credential | null, storage: Storage = sessionStorage): void {
  if (credential) storage.setItem(STORAGE_KEY, JSON.stringify(credential));
  else storage.removeItem(STORAGE_KEY);
}

/** The typed client, on the origin that served the console (the gateway), carrying the credential. */
export function clientFor(
  credential: Credential | null,
  options: { baseUrl?: string; fetch?: typeof fetch; onRenewed?: (credential: Credential) => void } = {},
): ChainwatchClient {
  const baseUrl = options.baseUrl ?? window.location.origin;
  const extra = options.fetch ? { fetch: options.fetch } : {};
  if (credential?.kind === "apiKey")
    return createChainwatchClient({ baseUrl, apiKey: credential.apiKey, ...extra });
  const client = createChainwatchClient({ baseUrl, ...extra });
  if (credential?.kind === "session") renewingSession(client, credential, { ...options, baseUrl });
  return client;
}

/**
 * Sends the session's access token, and renews it when the gateway refuses it: access tokens live 15 minutes
 * (ACCESS_TOKEN_TTL_SECONDS), a console stays open all day. On a 401 the refresh token is exchanged once
 * (the gateway rotates it) and the request is sent again with the new access token. Renewals are shared by
 * every request waiting on one: presenting a rotated refresh token twice reads, to the gateway, as a stolen
 * copy and ends the whole session.
 */
function renewingSession(
  client: ChainwatchClient,
  initial: Extract<Credential, { kind: "session" }>,
  options: { baseUrl: string; fetch?: typeof fetch; onRenewed?: (credential: Credential) => void },
): void {
  let current = initial;
  let renewal: Promise<boolean> | null = null;
  const sent = new WeakMap<Request, Request>();
  const send = (request: Request) => (options.fetch ?? globalThis.fetch)(request);
  const renew = async (used: string): Promise<boolean> => {
    if (current.accessToken !== used) return true; // renewed by another request meanwhile
    const refreshToken = current.refreshToken;
    if (!refreshToken) return false;
    const response = await send(
      new Request(new URL("/api/v1/auth/refresh", options.baseUrl), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken }),
      }),
    );
    if (!response.ok) return false;
    const session = (await response.json()) as Session;
    current = { kind: "session", accessToken: session.accessToken, refreshToken: session.refreshToken };
    options.onRenewed?.(current);
    return true;
  };
  client.use({
    onRequest({ request }) {
      if (!request.headers.has("authorization"))
        request.headers.set("Authorization", `Bearer ${current.accessToken}`);
      // Kept before sending: a body can be read only once, and the retry needs it.
      sent.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const original = sent.get(request);
      if (response.status !== 401 || !original || request.url.endsWith("/api/v1/auth/refresh"))
        return undefined;
      const used = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      renewal ??= renew(used).finally(() => {
        renewal = null;
      });
      if (!(await renewal)) return undefined;
      original.headers.set("Authorization", `Bearer ${current.accessToken}`);
      return send(original);
    },
  });
}

/** Who the credential belongs to; rejects with the gateway's ApiError when it is refused. */
export async function whoAmI(client: ChainwatchClient): Promise<Principal> {
  return unwrap(await client.GET("/api/v1/auth/me"));
}
