import type { ChainwatchClient, Principal } from "@chainwatch/client";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/errors.ts";
import { type Credential, clientFor, saveCredential, whoAmI } from "../api/session.ts";
import { ErrorNotice } from "../components/states.tsx";

export interface SignedIn {
  credential: Credential;
  client: ChainwatchClient;
  principal: Principal;
}

/** Sign in with an API key (the admin key `npm start` prints) or a user's email and password. */
export function LoginPage({
  onSignedIn,
  makeClient = (credential) => clientFor(credential, { onRenewed: (renewed) => saveCredential(renewed) }),
}: {
  onSignedIn: (session: SignedIn) => void;
  makeClient?: (credential: Credential | null) => ChainwatchClient;
}) {
  const [method, setMethod] = useState<"apiKey" | "password">("apiKey");
  const [apiKey, setApiKey] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let credential: Credential;
      if (method === "apiKey") credential = { kind: "apiKey", apiKey: apiKey.trim() };
      else {
        const session = unwrap(
          await makeClient(null).POST("/api/v1/auth/login", { body: { email: email.trim(), password } }),
        );
        credential = {
          kind: "session",
          accessToken: session.accessToken,
          refreshToken: session.refreshToken,
        };
      }
      const client = makeClient(credential);
      onSignedIn({ credential, client, principal: await whoAmI(client) });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="login">
      <h1>Chainwatch console</h1>
      <form onSubmit={(event) => void submit(event)} className="stack panel" aria-label="Sign in">
        <fieldset>
          <legend>Sign in with</legend>
          <label className="inline">
            <input
              type="radio"
              name="method"
              checked={method === "apiKey"}
              onChange={() => setMethod("apiKey")}
            />
            an API key
          </label>
          <label className="inline">
            <input
              type="radio"
              name="method"
              checked={method === "password"}
              onChange={() => setMethod("password")}
            />
            email and password
          </label>
        </fieldset>
        {method === "apiKey" ? (
          <label>
            API key
            <input
              type="password"
              autoComplete="off"
              value={apiKey}
              required
              onChange={(e) => setApiKey(e.target.value)}
              placeholder="cw_…"
            />
          </label>
        ) : (
          <>
            <label>
              Email
              <input
                type="email"
                autoComplete="username"
                value={email}
                required
                onChange={(e) => setEmail(e.target.value)}
              />
            </label>
            <label>
              Password
              <input
                type="password"
                autoComplete="current-password"
                value={password}
                required
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
          </>
        )}
        <button type="submit" disabled={isBusy}>
          {isBusy ? "Signing in…" : "Sign in"}
        </button>
        {error !== null && <ErrorNotice error={error} title="Sign-in failed" />}
        <p className="hint">
          <code>npm start</code> prints an admin API key at the first start. The key stays in this tab only.
        </p>
      </form>
    </main>
  );
}
