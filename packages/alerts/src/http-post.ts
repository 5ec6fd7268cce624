import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { TargetGuard } from "./target-guard.ts";

export interface PostResult {
  /** HTTP status, or null when no response came (refused, timed out, blocked). */
  statusCode: number | null;
  latencyMs: number;
  /** Why it failed; null on a 2xx. */
  error: string | null;
  isOk: boolean;
}

export interface HttpPoster {
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult>;
  close(): void;
}

/** The part of a response body kept for the attempt record: enough to read an error, never a whole page. */
const ERROR_BODY_MAX_CHARS = 200;

/**
 * POSTs JSON over keep-alive agents. Every connection resolves its host through the guard's lookup, so an
 * address the guard refuses is never connected to, whatever DNS answered when the destination was created.
 * The timeout bounds the whole exchange (connect, send, response head and body).
 */
export function createHttpPoster(options: { guard: TargetGuard; maxSockets?: number }): HttpPoster {
  const { guard } = options;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const refused = addresses.find((entry) => !guard.isAllowed(hostname, entry.address));
      if (refused) {
        const blocked = Object.assign(
          new Error(`target ${hostname} resolved to refused ${refused.address}`),
          {
            code: "ETARGETREFUSED",
          },
        );
        return callback(blocked, "", 0);
      }
      if (lookupOptions.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`no address for ${hostname}`), "", 0);
      callback(null, first.address, first.family);
    });
  };
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, lookup };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  return {
    post(text, body, headers, timeoutMs) {
      const started = performance.now();
      const done = (statusCode: number | null, error: string | null): PostResult => ({
        statusCode,
        latencyMs: Math.round(performance.now() - started),
        error,
        isOk: error === null,
      });
      return new Promise<PostResult>((resolve) => {
        const url = new URL(text);
        const host = url.hostname.replace(/^\[|\]$/g, "");
        // A literal IP never goes through lookup: check it here.
        if (isIP(host) !== 0 && !guard.isAllowed(host, host)) {
          resolve(done(null, `target ${host} refused (private, loopback or link-local)`));
          return;
        }
        const isHttps = url.protocol === "https:";
        const request = (isHttps ? https : http).request(url, {
          method: "POST",
          agent: isHttps ? httpsAgent : httpAgent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "user-agent": "chainwatch-alert-dispatcher/1",
            ...headers,
          },
          signal: AbortSignal.timeout(timeoutMs),
        });
        request.on("response", (response) => {
          const status = response.statusCode ?? 0;
          let excerpt = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            if (excerpt.length < ERROR_BODY_MAX_CHARS) excerpt += chunk.slice(0, ERROR_BODY_MAX_CHARS);
          });
          response.on("end", () => {
            const isOk = status >= 200 && status < 300;
            resolve(done(status, isOk ? null : `HTTP ${status}: ${excerpt.slice(0, ERROR_BODY_MAX_CHARS)}`));
          });
          response.on("error", (error) => resolve(done(status, error.message)));
        });
        request.on("error", (error: NodeJS.ErrnoException) => {
          const reason =
            error.name === "AbortError" || error.name === "TimeoutError" ? "timed out" : error.message;
          resolve(done(null, `${error.code ?? error.name}: ${reason}`.slice(0, 500)));
        });
        request.end(body);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
