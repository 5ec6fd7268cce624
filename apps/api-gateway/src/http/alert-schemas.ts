import { DESTINATION_KINDS, PolicySchema } from "@chainwatch/alerts";
import { z } from "zod";

/** Request and response shapes of the alerts API; the policy's rules come from @chainwatch/alerts. */

export const MAX_DEAD_LETTER_PAGE = 200;

export const DestinationIdSchema = z
  .string()
  .regex(/^dst_[A-Za-z0-9_-]{8,64}$/, "must be a destination id (dst_…)");
export const DestinationIdParamsSchema = z.strictObject({ id: DestinationIdSchema });

const UrlSchema = z.url({ protocol: /^https?$/, error: "must be an http or https URL" }).max(2_000);
const NameSchema = z.string().trim().min(1).max(200);
const ConcurrencySchema = z.number().int().min(1).max(64);

export const CreateDestinationRequestSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("webhook"),
    name: NameSchema,
    url: UrlSchema,
    policy: PolicySchema.optional(),
    maxConcurrency: ConcurrencySchema.optional(),
    enabled: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal("slack"),
    name: NameSchema,
    url: UrlSchema,
    policy: PolicySchema.optional(),
    maxConcurrency: ConcurrencySchema.optional(),
    enabled: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal("log"),
    name: NameSchema,
    policy: PolicySchema.optional(),
    maxConcurrency: ConcurrencySchema.optional(),
    enabled: z.boolean().optional(),
  }),
]);

/** Fields given replace the stored ones; `enabled: false` disables (deliveries wait, they are not lost). */
export const UpdateDestinationRequestSchema = z
  .strictObject({
    name: NameSchema.optional(),
    url: UrlSchema.optional(),
    policy: PolicySchema.optional(),
    maxConcurrency: ConcurrencySchema.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "name at least one field to change" });

export const DestinationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(DESTINATION_KINDS),
    url: z.string().nullable(),
    enabled: z.boolean(),
    policy: PolicySchema,
    maxConcurrency: z.number().int(),
    hasSecret: z.boolean(),
    createdBy: z.string(),
    updatedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "AlertDestination" });

export const CreateDestinationResponseSchema = z.object({
  destination: DestinationSchema,
  signingSecret: z
    .string()
    .optional()
    .describe("Webhooks only: the whsec_ signing secret, shown this once; verify webhook-signature with it."),
});

export const DestinationListSchema = z.object({ destinations: z.array(DestinationSchema) });

export const TestAlertResponseSchema = z.object({
  delivered: z.boolean(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  messageId: z.string(),
});

export const DeletedDestinationSchema = z.object({ id: z.string(), deleted: z.literal(true) });

export const DeadLetterQuerySchema = z.strictObject({
  destinationId: DestinationIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DEAD_LETTER_PAGE).default(50),
  after: z
    .string()
    .regex(/^[0-9]{1,19}$/, "must be a dead letter id")
    .optional(),
});

export const DeadLetterPageSchema = z.object({
  deadLetters: z.array(
    z.object({
      id: z.string(),
      destinationId: z.string(),
      messageId: z.string(),
      hash: z.string(),
      attempts: z.number().int(),
      createdAt: z.string(),
      lastStatusCode: z.number().int().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
  next: z.string().nullable(),
});

export const MAX_DELIVERY_PAGE = 200;
const OutboxIdSchema = z.string().regex(/^[0-9]{1,19}$/, "must be a delivery id");

export const DeliveryQuerySchema = z.strictObject({
  destinationId: DestinationIdSchema.optional(),
  status: z
    .enum(["pending", "delivered", "dead"], {
      error: () => "status must be one of: pending, delivered, dead",
    })
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DELIVERY_PAGE).default(50),
  before: OutboxIdSchema.optional().describe("`next` of the previous page"),
});

export const DeliveryPageSchema = z
  .object({
    deliveries: z
      .array(
        z.object({
          id: z.string(),
          destinationId: z.string(),
          messageId: z.string().describe("The webhook-id the receiver sees"),
          hash: z.string(),
          status: z.enum(["pending", "delivered", "dead"]),
          attempts: z.number().int(),
          createdAt: z.string(),
          nextAttemptAt: z.string().nullable().describe("Pending only: when it is (next) due"),
          deliveredAt: z.string().nullable(),
          lastStatusCode: z.number().int().nullable(),
          lastError: z.string().nullable(),
        }),
      )
      .describe("Newest first"),
    next: z.string().nullable().describe("Pass as `before` for the next page; null on the last"),
  })
  .meta({ id: "AlertDeliveryPage" });

export const RedeliverRequestSchema = z
  .strictObject({
    destinationId: DestinationIdSchema.optional(),
    ids: z
      .array(z.string().regex(/^[0-9]{1,19}$/, "must be a dead letter id"))
      .min(1)
      .max(1_000)
      .optional(),
  })
  .refine((body) => body.destinationId !== undefined || body.ids !== undefined, {
    message: "name a destinationId or dead letter ids",
  });

export const RedeliverResponseSchema = z.object({ redelivered: z.number().int() });
