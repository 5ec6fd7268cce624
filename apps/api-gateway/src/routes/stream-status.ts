import type { Endpoint } from "../http/endpoint.ts";
import { StreamStatusSchema } from "../http/schemas.ts";
import type { StreamStatusService } from "../streaming/stream-status.ts";

export function streamStatusEndpoints(options: { status: StreamStatusService }): Endpoint[] {
  return [
    {
      operationId: "getStreamStatus",
      method: "get",
      path: "/api/v1/stream/status",
      access: "stream:read",
      summary:
        "The scoring group's members, partitions, per-partition lag and throughput from broker offsets (mode kafka), or mode embedded",
      tag: "ingest",
      response: StreamStatusSchema,
      errors: [503],
      handler: async (_req, res) => {
        res.json(await options.status.status());
      },
    },
  ];
}
