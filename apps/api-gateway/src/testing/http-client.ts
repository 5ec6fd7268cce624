import { request } from "node:http";
import { gunzipSync } from "node:zlib";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Bytes as received on the wire (compressed if the server compressed). */
  raw: Buffer;
  /** Parsed JSON of the decompressed body, or undefined if it is not JSON. */
  json: unknown;
  text: string;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

/** A plain node:http client: unlike fetch it shows the bytes on the wire and never decompresses silently. */
export function send(baseUrl: string, path: string, options: SendOptions = {}): Promise<RawResponse> {
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === "string" || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(payload !== undefined ? { "content-type": "application/json" } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), { method: options.method ?? "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const text = (res.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, json, text });
      });
      res.on("error", reject);
    });
    // The server may answer (413) and close before the whole body is written; that is not a client error.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    if (payload !== undefined) req.end(payload);
    else req.end();
  });
}
