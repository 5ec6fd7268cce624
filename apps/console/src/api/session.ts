import { type ChainwatchClient, createChainwatchClient, type Principal } from "@chainwatch/client";
import { unwrap } from "./errors.ts";

/** How the analyst signed in: an API key, or a user session's access token. */
export type Credential = { kind: "apiKey"; apiKey: string } | { kind: "session"; accessToken: string };

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
      return { kind: "session", accessToken: parsed.accessToken };
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
  options: { baseUrl?: string; fetch?: typeof fetch } = {},
): ChainwatchClient {
  const baseUrl = options.baseUrl ?? window.location.origin;
  const extra = options.fetch ? { fetch: options.fetch } : {};
  if (credential?.kind === "apiKey")
    return createChainwatchClient({ baseUrl, apiKey: credential.apiKey, ...extra });
  if (credential?.kind === "session")
    return createChainwatchClient({ baseUrl, accessToken: credential.accessToken, ...extra });
  return createChainwatchClient({ baseUrl, ...extra });
}

/** Who the credential belongs to; rejects with the gateway's ApiError when it is refused. */
export async function whoAmI(client: ChainwatchClient): Promise<Principal> {
  return unwrap(await client.GET("/api/v1/auth/me"));
}
