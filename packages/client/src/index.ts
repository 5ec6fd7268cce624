import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";
import type { paths } from "./schema.ts";

export type * from "./schema.ts";

/** Every operation of the gateway, typed from its OpenAPI document: `client.GET("/api/v1/auth/me")`. */
export type ChainwatchClient = Client<paths>;

export interface ChainwatchClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** The gateway, e.g. `http://127.0.0.1:8080`; the document's paths start with `/api/v1`, `/health`... */
  baseUrl: string;
  /** An API key (`cw_` + 64 hex), sent as `X-API-Key`. */
  apiKey?: string;
  /** An access token from `POST /api/v1/auth/login` or `/refresh`, sent as `Authorization: Bearer`. */
  accessToken?: string;
}

/**
 * A typed client of the Chainwatch API ([openapi-fetch](https://openapi-ts.dev/openapi-fetch/)): paths,
 * parameters, bodies and answers are checked against the document the gateway serves. Calls resolve to
 * `{ data, error, response }`: `data` for a 2xx, `error` (the `{ code, message, requestId }` body) otherwise;
 * they reject only when the request itself fails (network, abort).
 */
export function createChainwatchClient(options: ChainwatchClientOptions): ChainwatchClient {
  const { apiKey, accessToken, ...clientOptions } = options;
  if (apiKey !== undefined && accessToken !== undefined)
    throw new TypeError("createChainwatchClient: pass apiKey or accessToken, not both");
  const client = createClient<paths>(clientOptions);
  const credential: [string, string] | undefined =
    apiKey !== undefined
      ? ["X-API-Key", apiKey]
      : accessToken !== undefined
        ? ["Authorization", `Bearer ${accessToken}`]
        : undefined;
  if (credential) client.use(credentialHeader(...credential));
  return client;
}

/** Sets the credential on every request that does not carry one of its own. */
function credentialHeader(name: string, value: string): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has("x-api-key") && !request.headers.has("authorization"))
        request.headers.set(name, value);
      return request;
    },
  };
}
