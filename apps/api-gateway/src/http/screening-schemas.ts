import {
  ADDRESS_PATTERN,
  LABEL_CATEGORIES,
  LabelInputSchema,
  LabelListInputSchema,
  LIST_ID_PATTERN,
  LIST_KINDS,
  MAX_LABEL_PAGE,
} from "@chainwatch/store";
import { z } from "zod";

/**
 * Request and response shapes of the screening API (lists, labels, the screen of one address). Field rules
 * come from the store's own schemas (@chainwatch/store labels-types.ts), so the API cannot accept what the
 * store would refuse.
 */

/** Labels per bulk import request; the body limit is MAX_REQUEST_SIZE (a label is ~200 bytes of JSON). */
export const MAX_IMPORT_LABELS = 10_000;
/** Invalid items an import's 400 names in `details.issues` (their total is in `details.invalidItems`). */
export const MAX_IMPORT_ISSUES = 100;
/** Recent transactions in the screen of one address. */
export const ADDRESS_SCREEN_TRANSACTIONS = 20;

const SEVERITIES = ["low", "medium", "high", "critical"] as const;

export const ListIdSchema = z
  .string()
  .regex(LIST_ID_PATTERN, "must be a slug: a-z, 0-9, '.', '_' or '-', at most 64, starting with a-z or 0-9");
export const AddressSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(ADDRESS_PATTERN, "must be 0x followed by 40 hex characters");
const ChainIdSchema = z.coerce
  .number()
  .int("chainId must be an integer")
  .min(1, "chainId must be at least 1")
  .max(2_147_483_647, "chainId is out of range");

export const ListIdParamsSchema = z.strictObject({ id: ListIdSchema });
export const LabelIdParamsSchema = z.strictObject({
  id: z.string().regex(/^[1-9][0-9]{0,18}$/, "must be a label id (a positive integer)"),
});
export const AddressParamsSchema = z.strictObject({ address: AddressSchema });

export const LabelListSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(LIST_KINDS).describe("deny: flags (at least high); allow: suppresses; watch: informs"),
    description: z.string().nullable(),
    source: z.string().nullable().describe("Provenance of the list's labels"),
    createdBy: z.string(),
    updatedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    labelCount: z.number().int().describe("Labels in the list, expired ones included"),
  })
  .meta({ id: "LabelList" });

export const LabelListsResponseSchema = z
  .object({ lists: z.array(LabelListSchema).describe("By id") })
  .meta({ id: "LabelListsResponse" });

const { name, kind, description, source } = LabelListInputSchema.shape;
export const PutListRequestSchema = z
  .strictObject({
    name,
    kind,
    description: description.describe("Omitted: keep the stored value; null: clear it"),
    source: source.describe("Provenance (repository, file, version). Omitted: keep; null: clear"),
  })
  .meta({ id: "PutLabelListRequest" });

export const PutListResponseSchema = z
  .object({
    list: LabelListSchema,
    created: z.boolean(),
    updated: z.boolean().describe("An existing list whose fields changed"),
  })
  .meta({ id: "PutLabelListResponse" });

const ExpiresAtSchema = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .nullish()
  .describe("ISO-8601 date or date-time; null or omitted: never. Expired labels stay listed, unscreened");

export const LabelRequestSchema = z
  .strictObject({ ...LabelInputSchema.shape, expiresAt: ExpiresAtSchema })
  .meta({ id: "LabelRequest" });

export const ImportLabelsRequestSchema = z
  .strictObject({
    labels: z
      .array(LabelRequestSchema)
      .min(1, "labels must hold at least 1 item")
      .max(MAX_IMPORT_LABELS, `labels may hold at most ${MAX_IMPORT_LABELS} items`),
    mode: z
      .enum(["merge", "replace"])
      .default("merge")
      .describe("merge: add and update; replace: also delete the list's labels absent from `labels`"),
  })
  .meta({ id: "ImportLabelsRequest" });

export const LabelSchema = z
  .object({
    id: z.string(),
    listId: z.string(),
    chainId: z.number().int(),
    address: z.string(),
    category: z.enum(LABEL_CATEGORIES),
    source: z.string().nullable(),
    confidence: z.number(),
    note: z.string().nullable(),
    createdBy: z.string(),
    updatedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: "Label" });

export const LabelWriteResponseSchema = z
  .object({
    label: LabelSchema,
    created: z.boolean(),
    updated: z.boolean().describe("An existing label whose fields changed"),
  })
  .meta({ id: "LabelWriteResponse" });

export const ImportLabelsResponseSchema = z
  .object({
    listId: z.string(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    deleted: z.number().int().describe("Removed by mode replace"),
    duplicates: z
      .number()
      .int()
      .describe("Items naming a chain and address an earlier item named (last wins)"),
    revision: z.string().describe("The screening revision after the import"),
  })
  .meta({ id: "ImportLabelsResponse" });

export const LabelQuerySchema = z.strictObject({
  listId: ListIdSchema.optional(),
  address: AddressSchema.optional(),
  chainId: ChainIdSchema.optional(),
  limit: z.coerce
    .number()
    .int("limit must be an integer")
    .min(1, "limit must be at least 1")
    .max(MAX_LABEL_PAGE, `limit may be at most ${MAX_LABEL_PAGE}`)
    .default(100),
  cursor: z.string().min(1).max(200).optional(),
});

export const LabelPageSchema = z
  .object({
    labels: z.array(LabelSchema).describe("Newest first"),
    nextCursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last"),
  })
  .meta({ id: "LabelPage" });

export const DeletedSchema = z.object({ id: z.string(), deleted: z.literal(true) }).meta({ id: "Deleted" });

export const AddressQuerySchema = z.strictObject({ chainId: ChainIdSchema.default(1) });

export const AddressLabelSchema = LabelSchema.extend({
  list: z.object({ id: z.string(), name: z.string(), kind: z.enum(LIST_KINDS) }),
  isExpired: z.boolean().describe("Past expiresAt: kept for the record, no longer screened"),
}).meta({ id: "AddressLabel" });

export const AddressContextSchema = z
  .object({
    firstSeen: z.string().describe("When it was first seen in either role (block time)"),
    asSender: z.object({
      transactions: z.number().int(),
      lastAt: z.string().nullable(),
      distinctRecipients: z.number().int(),
      typicalValueEth: z.number().nullable().describe("Its typical non-zero amount (exponentially weighted)"),
      valuesSeen: z.number().int(),
    }),
    asRecipient: z.object({
      transactions: z.number().int(),
      lastAt: z.string().nullable(),
      distinctSenders: z.number().int(),
    }),
  })
  .meta({ id: "AddressContext" });
export type AddressContextView = z.infer<typeof AddressContextSchema>;

export const AddressScreenSchema = z
  .object({
    address: z.string(),
    chainId: z.number().int(),
    labels: z.array(AddressLabelSchema).describe("Every label of the address on this chain, by list id"),
    transactions: z
      .array(
        z.object({
          hash: z.string(),
          role: z.enum(["from", "to", "self"]).describe("self: the address sent to itself"),
          riskScore: z.number().nullable(),
          riskLevel: z.enum(SEVERITIES).nullable(),
          isAnomaly: z.boolean(),
          createdAt: z.string().describe("When the latest served prediction was made"),
        }),
      )
      .describe(`Its ${ADDRESS_SCREEN_TRANSACTIONS} most recent scored transactions, newest first`),
    anomalyCount: z.number().int().describe("Its transactions with a served anomaly, all time"),
    context: AddressContextSchema.nullable().describe(
      "What the address state holds (first and last seen, counts, counterparties, typical amount); null when the address was never seen, context is off, or the state store is unavailable",
    ),
  })
  .meta({ id: "AddressScreen" });
