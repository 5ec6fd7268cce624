import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError } from "./api/errors.ts";
import { type Credential, clientFor, loadCredential, saveCredential, whoAmI } from "./api/session.ts";
import { type Auth, AuthProvider, can } from "./auth.tsx";
import { ErrorNotice, Loading } from "./components/states.tsx";
import { AccessPage } from "./pages/access.tsx";
import { AddressPage } from "./pages/address.tsx";
import { AlertsPage } from "./pages/alerts.tsx";
import { FeedPage } from "./pages/feed.tsx";
import { LoginPage, type SignedIn } from "./pages/login.tsx";
import { ModelsPage } from "./pages/models.tsx";
import { SettingsPage } from "./pages/settings.tsx";
import { StreamPage } from "./pages/stream.tsx";
import { SuppressionsPage } from "./pages/suppressions.tsx";
import { TransactionPage } from "./pages/transaction.tsx";
import { hrefOf, navigate, type Route, useRoute } from "./router.ts";

function newQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A refusal (4xx) will not change on retry; a dropped connection might.
        retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status < 500),
        refetchOnWindowFocus: true,
      },
    },
  });
}

/** Signs in (or restores the tab's credential), then shows the pages. */
export function App() {
  const [session, setSession] = useState<SignedIn | null>(null);
  const [restoring, setRestoring] = useState<Credential | null>(() => loadCredential());
  const [restoreError, setRestoreError] = useState<unknown>(null);

  useEffect(() => {
    if (!restoring) return;
    const client = clientFor(restoring, { onRenewed: (renewed) => saveCredential(renewed) });
    whoAmI(client).then(
      (principal) => {
        setSession({ credential: restoring, client, principal });
        setRestoring(null);
      },
      (error: unknown) => {
        // An expired token or a revoked key: back to the form, saying why.
        saveCredential(null);
        setRestoreError(error);
        setRestoring(null);
      },
    );
  }, [restoring]);

  // One cache per tab; signing out clears it so the next principal never sees the last one's data.
  const [queryClient] = useState(newQueryClient);
  if (restoring) return <Loading what="your session" />;
  if (!session)
    return (
      <>
        {restoreError !== null && <ErrorNotice error={restoreError} title="Your saved sign-in was refused" />}
        <LoginPage
          onSignedIn={(signedIn) => {
            saveCredential(signedIn.credential);
            setRestoreError(null);
            setSession(signedIn);
          }}
        />
      </>
    );
  const auth: Auth = {
    client: session.client,
    principal: session.principal,
    signOut: () => {
      saveCredential(null);
      queryClient.clear();
      setSession(null);
    },
  };
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider value={auth}>
        <Shell auth={auth} />
      </AuthProvider>
    </QueryClientProvider>
  );
}

const NAV: { label: string; route: Route; needs?: Parameters<typeof can>[1] }[] = [
  { label: "Live feed", route: { page: "feed" } },
  { label: "Suppressions", route: { page: "suppressions" } },
  { label: "Models", route: { page: "models" } },
  { label: "Stream", route: { page: "stream" } },
  { label: "Alerts", route: { page: "alerts" }, needs: "readAlerts" },
  { label: "Keys and users", route: { page: "access" }, needs: "manageAccess" },
  { label: "Settings", route: { page: "settings" } },
];

function Shell({ auth }: { auth: Auth }) {
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  // A page change moves focus to the page, as a full navigation would, so screen readers announce it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every route change on purpose
  useEffect(() => {
    mainRef.current?.focus();
  }, [route.page]);
  return (
    <>
      {/* A button, not a link to #main: the hash is the route here. */}
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <header className="topbar">
        <a className="brand" href={hrefOf({ page: "feed" })}>
          Chainwatch
        </a>
        <nav aria-label="Pages">
          <ul>
            {NAV.filter((item) => !item.needs || can(auth.principal, item.needs)).map((item) => (
              <li key={item.label}>
                <a
                  href={hrefOf(item.route)}
                  aria-current={item.route.page === route.page ? "page" : undefined}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <AddressSearch />
        <span className="who">
          {auth.principal.name} ({auth.principal.role})
          <button type="button" className="link-button" onClick={auth.signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "feed":
      return <FeedPage />;
    case "transaction":
      return <TransactionPage key={route.hash} hash={route.hash} anomalyId={route.anomalyId} />;
    case "address":
      return <AddressPage key={route.address} address={route.address} />;
    case "models":
      return <ModelsPage />;
    case "stream":
      return <StreamPage />;
    case "alerts":
      return <AlertsPage />;
    case "suppressions":
      return <SuppressionsPage />;
    case "access":
      return <AccessPage />;
    case "settings":
      return <SettingsPage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing at <code>{route.path}</code>. <a href={hrefOf({ page: "feed" })}>Back to the feed</a>.
          </p>
        </section>
      );
  }
}

/** Screen an address or open a transaction by pasting it: 20 bytes is an address, 32 a transaction hash. */
function AddressSearch() {
  const [value, setValue] = useState("");
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const text = value.trim();
    if (/^0x[0-9a-fA-F]{64}$/.test(text)) navigate({ page: "transaction", hash: text, anomalyId: null });
    else if (text) navigate({ page: "address", address: text });
    setValue("");
  };
  return (
    <form className="search" aria-label="Search" onSubmit={onSubmit}>
      <label htmlFor="search-input" className="visually-hidden">
        Address or transaction hash
      </label>
      <input
        id="search-input"
        placeholder="Screen an address or open a tx hash"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit">Go</button>
    </form>
  );
}
