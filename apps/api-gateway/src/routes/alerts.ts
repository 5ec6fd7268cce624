import {
  type Alerting,
  alertMessageId,
  displayedWebhookUrl,
  generateSigningSecret,
  PolicySchema,
  transactionLink,
} from "@chainwatch/alerts";
import type { AuditLog } from "../auth/audit-log.ts";
import { actorOf } from "../auth/principal.ts";
import {
  CreateDestinationRequestSchema,
  CreateDestinationResponseSchema,
  DeadLetterPageSchema,
  DeadLetterQuerySchema,
  DeletedDestinationSchema,
  DeliveryPageSchema,
  DeliveryQuerySchema,
  DestinationIdParamsSchema,
  DestinationListSchema,
  DestinationSchema,
  RedeliverRequestSchema,
  RedeliverResponseSchema,
  TestAlertResponseSchema,
  UpdateDestinationRequestSchema,
} from "../http/alert-schemas.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { notFound, validationError } from "../http/errors.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";

export interface AlertRouteOptions {
  alerting: Pick<
    Alerting,
    "destinations" | "outbox" | "secrets" | "guard" | "sender" | "router" | "linkBaseUrl"
  >;
  audit: AuditLog;
}

/** A fixed transaction for test alerts: receivers can recognise and drop it. */
const TEST_HASH = `0x${"0".repeat(63)}1`;

/**
 * Alert destinations (docs/alerts.md). Reads: `alerts:read` (analyst, admin); writes, test alerts and
 * redelivery: `alerts:manage` (admin). Every write is audited. A URL is checked against the SSRF guard on
 * create and update (every resolved address); a webhook's signing secret is generated here, returned once
 * and stored sealed. Changes reach the dispatchers within ALERT_DESTINATIONS_REFRESH_MS.
 */
export function alertEndpoints(options: AlertRouteOptions): Endpoint[] {
  const { alerting, audit } = options;
  const idOf = (params: unknown) => parseOrThrow(DestinationIdParamsSchema, params, "destination id").id;

  return [
    {
      operationId: "listAlertDestinations",
      method: "get",
      path: "/api/v1/alerts/destinations",
      access: "alerts:read",
      summary: "Every alert destination with its policy (never its secret)",
      tag: "alerts",
      response: DestinationListSchema,
      errors: [503],
      handler: async (_req, res) => {
        res.json({ destinations: await fromDatabase(alerting.destinations.list()) });
      },
    },
    {
      operationId: "createAlertDestination",
      auditAction: "alert_destination.create",
      method: "post",
      path: "/api/v1/alerts/destinations",
      access: "alerts:manage",
      summary:
        "Create a destination: a signed webhook (its secret is returned once), a Slack-compatible webhook or the log",
      tag: "alerts",
      request: CreateDestinationRequestSchema,
      response: CreateDestinationResponseSchema,
      status: 201,
      errors: [400, 409, 503],
      handler: async (req, res) => {
        const body = parseOrThrow(CreateDestinationRequestSchema, requireJsonBody(req.body), "destination");
        const url = body.kind === "log" ? null : body.url;
        if (url) await alerting.guard.checkUrl(url);
        const signingSecret = body.kind === "webhook" ? generateSigningSecret() : undefined;
        // A Slack URL is its own credential: sealed like a signing secret, shown by scheme and host only.
        const isSlack = body.kind === "slack" && url !== null;
        const sealedSecret = signingSecret
          ? alerting.secrets.seal(signingSecret)
          : isSlack
            ? alerting.secrets.seal(url)
            : null;
        const destination = await fromDatabase(
          alerting.destinations.create(
            {
              name: body.name,
              kind: body.kind,
              url: isSlack ? displayedWebhookUrl(url) : url,
              sealedSecret,
              policy: body.policy ?? PolicySchema.parse({}),
              maxConcurrency: body.maxConcurrency ?? 4,
              ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
            },
            actorOf(res),
          ),
        );
        alerting.router.invalidate();
        audit.record(req, res, {
          action: "alert_destination.create",
          outcome: "success",
          details: { destinationId: destination.id, kind: destination.kind },
        });
        res.status(201).json(signingSecret ? { destination, signingSecret } : { destination });
      },
    },
    {
      operationId: "updateAlertDestination",
      auditAction: "alert_destination.update",
      method: "put",
      path: "/api/v1/alerts/destinations/{id}",
      access: "alerts:manage",
      summary: "Change a destination: name, URL, policy (filters, rate cap, mutes), concurrency, enabled",
      tag: "alerts",
      params: DestinationIdParamsSchema,
      request: UpdateDestinationRequestSchema,
      response: DestinationSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const id = idOf(req.params);
        const body = parseOrThrow(UpdateDestinationRequestSchema, requireJsonBody(req.body), "destination");
        const current = await fromDatabase(alerting.destinations.get(id));
        if (!current) throw notFound(`no destination ${id}`);
        if (body.url !== undefined) {
          if (current.kind === "log")
            throw validationError("invalid destination", [
              { path: "url", message: "a log destination has no URL" },
            ]);
          await alerting.guard.checkUrl(body.url);
        }
        const patch =
          current.kind === "slack" && body.url !== undefined
            ? { ...body, url: displayedWebhookUrl(body.url), sealedSecret: alerting.secrets.seal(body.url) }
            : body;
        const updated = await fromDatabase(alerting.destinations.update(id, patch, actorOf(res)));
        if (!updated) throw notFound(`no destination ${id}`);
        alerting.router.invalidate();
        audit.record(req, res, {
          action: "alert_destination.update",
          outcome: "success",
          details: { destinationId: id, fields: Object.keys(body) },
        });
        res.json(updated);
      },
    },
    {
      operationId: "deleteAlertDestination",
      auditAction: "alert_destination.delete",
      method: "delete",
      path: "/api/v1/alerts/destinations/{id}",
      access: "alerts:manage",
      summary: "Delete a destination with its queued and dead-lettered deliveries",
      tag: "alerts",
      params: DestinationIdParamsSchema,
      response: DeletedDestinationSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const id = idOf(req.params);
        if (!(await fromDatabase(alerting.destinations.remove(id)))) throw notFound(`no destination ${id}`);
        alerting.router.invalidate();
        audit.record(req, res, {
          action: "alert_destination.delete",
          outcome: "success",
          details: { destinationId: id },
        });
        res.json({ id, deleted: true });
      },
    },
    {
      operationId: "testAlertDestination",
      auditAction: "alert_destination.test",
      method: "post",
      path: "/api/v1/alerts/destinations/{id}/test",
      access: "alerts:manage",
      summary: "Send a test alert now (not queued, not retried) and report the receiver's answer",
      tag: "alerts",
      params: DestinationIdParamsSchema,
      response: TestAlertResponseSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const id = idOf(req.params);
        const destination = await fromDatabase(alerting.destinations.get(id));
        if (!destination) throw notFound(`no destination ${id}`);
        const messageId = `${alertMessageId(id, TEST_HASH)}_test_${Date.now()}`;
        const result = await alerting.sender.send(
          destination,
          messageId,
          {
            hash: TEST_HASH,
            chainId: 1,
            level: "high",
            riskScore: 0.99,
            anomalyScore: 0.99,
            modelVersion: "test",
            scoredAt: new Date().toISOString(),
            from: "0x000000000000000000000000000000000000dead",
            to: "0x000000000000000000000000000000000000beef",
            valueWei: "0",
            blockNumber: null,
            reasons: [{ kind: "rule", code: "test_alert", message: "a test alert sent from the API" }],
            link: transactionLink(alerting.linkBaseUrl, TEST_HASH),
          },
          { isTest: true },
        );
        audit.record(req, res, {
          action: "alert_destination.test",
          outcome: "success",
          details: { destinationId: id, delivered: result.isOk, statusCode: result.statusCode },
        });
        res.json({
          delivered: result.isOk,
          statusCode: result.statusCode,
          latencyMs: result.latencyMs,
          error: result.error,
          messageId,
        });
      },
    },
    {
      operationId: "listAlertDeadLetters",
      method: "get",
      path: "/api/v1/alerts/dead-letters",
      access: "alerts:read",
      summary: "Deliveries that failed past the maximum age, oldest first, keyset-paginated",
      tag: "alerts",
      query: DeadLetterQuerySchema,
      response: DeadLetterPageSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const query = parseOrThrow(DeadLetterQuerySchema, req.query, "query parameters");
        const deadLetters = await fromDatabase(
          alerting.outbox.listDead({
            limit: query.limit,
            ...(query.destinationId ? { destinationId: query.destinationId } : {}),
            ...(query.after ? { afterId: query.after } : {}),
          }),
        );
        res.json({
          deadLetters,
          next: deadLetters.length === query.limit ? (deadLetters.at(-1)?.id ?? null) : null,
        });
      },
    },
    {
      operationId: "listAlertDeliveries",
      method: "get",
      path: "/api/v1/alerts/deliveries",
      access: "alerts:read",
      summary:
        "Deliveries of every status (pending, delivered, dead) with attempts and the last answer, newest first, keyset-paginated",
      tag: "alerts",
      query: DeliveryQuerySchema,
      response: DeliveryPageSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const query = parseOrThrow(DeliveryQuerySchema, req.query, "query parameters");
        const deliveries = await fromDatabase(
          alerting.outbox.listDeliveries({
            limit: query.limit,
            ...(query.destinationId ? { destinationId: query.destinationId } : {}),
            ...(query.status ? { status: query.status } : {}),
            ...(query.before ? { beforeId: query.before } : {}),
          }),
        );
        res.json({
          deliveries,
          next: deliveries.length === query.limit ? (deliveries.at(-1)?.id ?? null) : null,
        });
      },
    },
    {
      operationId: "redeliverAlerts",
      auditAction: "alert.redeliver",
      method: "post",
      path: "/api/v1/alerts/dead-letters/redeliver",
      access: "alerts:manage",
      summary: "Queue dead-lettered deliveries again (by destination or ids), with a fresh maximum age",
      tag: "alerts",
      request: RedeliverRequestSchema,
      response: RedeliverResponseSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const body = parseOrThrow(RedeliverRequestSchema, requireJsonBody(req.body), "redelivery");
        const redelivered = await fromDatabase(
          alerting.outbox.redeliver({
            ...(body.destinationId ? { destinationId: body.destinationId } : {}),
            ...(body.ids ? { ids: body.ids } : {}),
          }),
        );
        audit.record(req, res, {
          action: "alert.redeliver",
          outcome: "success",
          details: { destinationId: body.destinationId ?? null, ids: body.ids?.length ?? null, redelivered },
        });
        res.json({ redelivered });
      },
    },
  ];
}
