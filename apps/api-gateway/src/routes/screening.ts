import type { AddressState } from "@chainwatch/context";
import type { LabelRepository, Repositories } from "@chainwatch/store";
import type { AuditLog } from "../auth/audit-log.ts";
import { actorOf } from "../auth/principal.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { HttpError, notFound } from "../http/errors.ts";
import {
  ADDRESS_SCREEN_TRANSACTIONS,
  type AddressContextView,
  AddressParamsSchema,
  AddressQuerySchema,
  AddressScreenSchema,
  DeletedSchema,
  ImportLabelsRequestSchema,
  ImportLabelsResponseSchema,
  LabelIdParamsSchema,
  LabelListsResponseSchema,
  LabelPageSchema,
  LabelQuerySchema,
  LabelRequestSchema,
  LabelWriteResponseSchema,
  ListIdParamsSchema,
  MAX_IMPORT_ISSUES,
  PutListRequestSchema,
  PutListResponseSchema,
} from "../http/screening-schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";

export interface ScreeningRouteOptions {
  /** The address-context state of one address (@chainwatch/context `peek`); absent → `context: null`. */
  addressState?: (address: string) => Promise<AddressState | null>;
  labels: LabelRepository;
  repositories: Pick<Repositories, "addressActivity">;
  audit: AuditLog;
}

/**
 * Screening lists, their labels and the screen of one address (docs/screening.md, "API"). Reads:
 * `labels:read` (viewer, analyst, admin); label writes: `labels:write` (analyst, admin); list writes:
 * `lists:manage` (admin). Every write is audited. A change reaches every replica's screening set within
 * SCREENING_REFRESH_INTERVAL_SECONDS plus one load.
 */
export function screeningEndpoints(options: ScreeningRouteOptions): Endpoint[] {
  const { labels, repositories, audit } = options;
  const listIdOf = (params: unknown) => parseOrThrow(ListIdParamsSchema, params, "list id").id;

  return [
    {
      operationId: "listLabelLists",
      method: "get",
      path: "/api/v1/lists",
      access: "labels:read",
      summary: "Every screening list with its kind and label count",
      tag: "screening",
      response: LabelListsResponseSchema,
      errors: [503],
      handler: async (_req, res) => {
        res.json({ lists: await fromDatabase(labels.listLists()) });
      },
    },
    {
      operationId: "putLabelList",
      auditAction: "list.put",
      method: "put",
      path: "/api/v1/lists/{id}",
      access: "lists:manage",
      summary: "Create (201) or update (200) a list: name, kind (deny, allow, watch), description, source",
      tag: "screening",
      params: ListIdParamsSchema,
      request: PutListRequestSchema,
      response: PutListResponseSchema,
      status: 201,
      otherSuccessStatuses: [200],
      errors: [400, 503],
      handler: async (req, res) => {
        const id = listIdOf(req.params);
        const body = parseOrThrow(PutListRequestSchema, requireJsonBody(req.body), "list");
        const result = await fromDatabase(labels.upsertList({ ...body, id, actor: actorOf(res) }));
        audit.record(req, res, {
          action: "list.put",
          outcome: "success",
          details: { listId: id, kind: body.kind, created: result.created, updated: result.updated },
        });
        res.status(result.created ? 201 : 200).json(result);
      },
    },
    {
      operationId: "deleteLabelList",
      auditAction: "list.delete",
      method: "delete",
      path: "/api/v1/lists/{id}",
      access: "lists:manage",
      summary: "Delete a list and every label in it",
      tag: "screening",
      params: ListIdParamsSchema,
      response: DeletedSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const id = listIdOf(req.params);
        if (!(await fromDatabase(labels.deleteList(id, actorOf(res))))) throw notFound(`no list ${id}`);
        audit.record(req, res, { action: "list.delete", outcome: "success", details: { listId: id } });
        res.json({ id, deleted: true });
      },
    },
    {
      operationId: "listLabels",
      method: "get",
      path: "/api/v1/labels",
      access: "labels:read",
      summary: "Labels newest first, by list and/or address (and chainId), keyset-paginated",
      tag: "screening",
      query: LabelQuerySchema,
      response: LabelPageSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const query = parseOrThrow(LabelQuerySchema, req.query, "query parameters");
        res.json(await fromDatabase(labels.listLabels(query)));
      },
    },
    {
      operationId: "putLabel",
      auditAction: "label.put",
      method: "post",
      path: "/api/v1/lists/{id}/labels",
      access: "labels:write",
      summary: "Add a label to a list (201), or update the list's label of that address and chain (200)",
      tag: "screening",
      params: ListIdParamsSchema,
      request: LabelRequestSchema,
      response: LabelWriteResponseSchema,
      status: 201,
      otherSuccessStatuses: [200],
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const listId = listIdOf(req.params);
        const body = parseOrThrow(LabelRequestSchema, requireJsonBody(req.body), "label");
        const result = await fromDatabase(labels.upsertLabel(listId, body, actorOf(res)));
        audit.record(req, res, {
          action: "label.put",
          outcome: "success",
          details: {
            listId,
            labelId: result.label.id,
            address: result.label.address,
            category: result.label.category,
            created: result.created,
            updated: result.updated,
          },
        });
        res.status(result.created ? 201 : 200).json(result);
      },
    },
    {
      operationId: "importLabels",
      auditAction: "label.import",
      method: "post",
      path: "/api/v1/lists/{id}/labels/import",
      access: "labels:write",
      rateTier: "batch",
      bodyLimit: "large",
      summary:
        "Import up to 10,000 labels into a list, all or nothing (any invalid item: 400 naming the items)",
      tag: "screening",
      params: ListIdParamsSchema,
      request: ImportLabelsRequestSchema,
      response: ImportLabelsResponseSchema,
      errors: [400, 404, 413, 503],
      handler: async (req, res) => {
        const listId = listIdOf(req.params);
        const body = parseImport(requireJsonBody(req.body));
        const result = await fromDatabase(
          labels.importLabels(listId, body.labels, actorOf(res), { mode: body.mode }),
        );
        audit.record(req, res, {
          action: "label.import",
          outcome: "success",
          details: { listId, mode: body.mode, items: body.labels.length, ...result },
        });
        res.json({ listId, ...result });
      },
    },
    {
      operationId: "deleteLabel",
      auditAction: "label.delete",
      method: "delete",
      path: "/api/v1/labels/{id}",
      access: "labels:write",
      summary: "Delete one label",
      tag: "screening",
      params: LabelIdParamsSchema,
      response: DeletedSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const { id } = parseOrThrow(LabelIdParamsSchema, req.params, "label id");
        if (!(await fromDatabase(labels.deleteLabel(id, actorOf(res))))) throw notFound(`no label ${id}`);
        audit.record(req, res, { action: "label.delete", outcome: "success", details: { labelId: id } });
        res.json({ id, deleted: true });
      },
    },
    {
      operationId: "screenAddress",
      method: "get",
      path: "/api/v1/addresses/{address}",
      access: "labels:read",
      summary: "Screen one address: its labels (expired ones flagged), recent scored transactions, anomalies",
      tag: "screening",
      params: AddressParamsSchema,
      query: AddressQuerySchema,
      response: AddressScreenSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const { address } = parseOrThrow(AddressParamsSchema, req.params, "address");
        const { chainId } = parseOrThrow(AddressQuerySchema, req.query, "query parameters");
        const [found, activity] = await fromDatabase(
          Promise.all([
            labels.labelsFor(address, chainId, { includeExpired: true }),
            // Stored transactions carry no chain id yet: they are the gateway's one chain.
            repositories.addressActivity(address, { limit: ADDRESS_SCREEN_TRANSACTIONS }),
          ]),
        );
        const state = await addressContext(options.addressState, address);
        res.json({ address, chainId, labels: found, ...activity, context: state });
      },
    },
  ];
}

/**
 * All or nothing, like the store's import: one invalid item refuses the request, so a list never ends up
 * half-imported. The 400 names the first MAX_IMPORT_ISSUES invalid items (`labels.<index>.<field>`) and
 * counts them all, so a client can fix its file in one pass.
 */
function parseImport(body: unknown) {
  const result = ImportLabelsRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
  const invalidItems = new Set(
    result.error.issues.flatMap((issue) =>
      issue.path[0] === "labels" && typeof issue.path[1] === "number" ? [issue.path[1]] : [],
    ),
  );
  const shown = new Set([...invalidItems].slice(0, MAX_IMPORT_ISSUES));
  throw new HttpError(400, "VALIDATION_ERROR", "invalid label import", {
    details: {
      issues: issues.filter((_issue, index) => {
        const path = result.error.issues[index]?.path ?? [];
        return !(path[0] === "labels" && typeof path[1] === "number") || shown.has(path[1]);
      }),
      invalidItems: invalidItems.size,
    },
  });
}

/**
 * What the address state says about one address, in the units people read. A failing state store gives
 * null, as an unknown address does: the rest of the screen comes from the database and still answers.
 */
async function addressContext(
  peek: ScreeningRouteOptions["addressState"],
  address: string,
): Promise<AddressContextView | null> {
  const state = peek ? await peek(address).catch(() => null) : null;
  if (!state) return null;
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  return {
    firstSeen: iso(state.firstSeen),
    asSender: {
      transactions: state.outCount,
      lastAt: state.outCount > 0 ? iso(state.outLast) : null,
      distinctRecipients: state.outDistinct,
      typicalValueEth: state.valueCount > 0 ? 10 ** state.valueMean : null,
      valuesSeen: state.valueCount,
    },
    asRecipient: {
      transactions: state.inCount,
      lastAt: state.inCount > 0 ? iso(state.inLast) : null,
      distinctSenders: state.inDistinct,
    },
  };
}
