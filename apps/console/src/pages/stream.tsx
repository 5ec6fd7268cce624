import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/errors.ts";
import { useAuth } from "../auth.tsx";
import { ChainStatus } from "../components/chain-status.tsx";
import { QueryState } from "../components/states.tsx";
import { formatTime } from "../format.ts";

export function StreamPage({ pollMs = 5_000 }: { pollMs?: number }) {
  const { client } = useAuth();
  const status = useQuery({
    queryKey: ["stream"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/stream/status", { signal })),
    refetchInterval: pollMs,
  });
  return (
    <section aria-labelledby="stream-title">
      <h1 id="stream-title">Stream</h1>
      <QueryState query={status} what="the stream status">
        {(data) => (
          <>
            <dl className="fields">
              <dt>mode</dt>
              <dd>
                {data.mode === "kafka" ? "Kafka (scoring workers)" : "embedded (scored in the gateway)"}
              </dd>
              <dt>throughput</dt>
              <dd>
                {data.throughput
                  ? `${data.throughput.consumedPerSecond.toFixed(1)} consumed/s, ${data.throughput.producedPerSecond.toFixed(1)} produced/s over ${data.throughput.windowSeconds} s`
                  : "not measured yet (needs two samples)"}
              </dd>
              <dt>sampled</dt>
              <dd>{formatTime(data.sampledAt)}</dd>
              {data.mode === "embedded" ? (
                <>
                  <dt>accepted</dt>
                  <dd>{data.totals.accepted}</dd>
                  <dt>rejected</dt>
                  <dd>{data.totals.rejected}</dd>
                </>
              ) : (
                <>
                  <dt>topic</dt>
                  <dd className="mono">{data.topic}</dd>
                  <dt>group</dt>
                  <dd className="mono">
                    {data.groupId} ({data.state}, {data.members.length} members)
                  </dd>
                  <dt>total lag</dt>
                  <dd>{data.totalLag} messages</dd>
                </>
              )}
            </dl>
            {data.mode === "embedded" ? (
              <p className="hint">{data.description}</p>
            ) : (
              <table className="table">
                <caption>Partitions</caption>
                <thead>
                  <tr>
                    <th scope="col">partition</th>
                    <th scope="col">member</th>
                    <th scope="col">committed</th>
                    <th scope="col">high watermark</th>
                    <th scope="col">lag</th>
                  </tr>
                </thead>
                <tbody>
                  {data.partitions.map((partition) => (
                    <tr key={partition.partition}>
                      <td>{partition.partition}</td>
                      <td className="mono">
                        {data.members.find((member) => member.memberId === partition.memberId)?.clientId ??
                          "unassigned"}
                      </td>
                      <td>{partition.committedOffset ?? "–"}</td>
                      <td>{partition.highWatermark}</td>
                      <td>{partition.lag}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h2>Chain</h2>
            <ChainStatus chain={data.mode === "embedded" ? data.chain : undefined} mode={data.mode} />
          </>
        )}
      </QueryState>
    </section>
  );
}
