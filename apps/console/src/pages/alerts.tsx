import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/errors.ts";
import { can, useAuth } from "../auth.tsx";
import { Empty, QueryState } from "../components/states.tsx";
import { CreateDestination, DestinationTable } from "./alert-destinations.tsx";
import { Deliveries } from "./deliveries.tsx";

/**
 * Where anomalies are delivered (docs/alerts.md). Analysts see destinations and deliveries; admins
 * also add, enable or disable, test and delete destinations and redeliver, as the gateway grants.
 */
export function AlertsPage() {
  const { client, principal } = useAuth();
  const isAllowed = can(principal, "readAlerts");
  const destinations = useQuery({
    queryKey: ["alerts", "destinations"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/alerts/destinations", { signal })),
    enabled: isAllowed,
  });
  if (!isAllowed)
    return (
      <section aria-labelledby="alerts-title">
        <h1 id="alerts-title">Alerts</h1>
        <p className="notice">Alert destinations are shown to analysts and admins.</p>
      </section>
    );
  const canManage = can(principal, "manageAlerts");
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <p className="hint">
        Every anomaly from the stream is delivered at least once to each destination whose policy it passes;
        receivers de-duplicate on <code>webhook-id</code>. A test alert is sent at once, not queued or
        retried.
      </p>
      {canManage && <CreateDestination />}
      <h2>Destinations</h2>
      <QueryState query={destinations} what="the alert destinations">
        {(data) => (
          <>
            {data.destinations.length === 0 ? (
              <Empty>
                No destination yet: anomalies are stored and shown here, and alert nobody.
                {canManage ? " Add one above." : " An admin adds them."}
              </Empty>
            ) : (
              <DestinationTable destinations={data.destinations} canManage={canManage} />
            )}
            <Deliveries destinations={data.destinations} canManage={canManage} />
          </>
        )}
      </QueryState>
    </section>
  );
}
