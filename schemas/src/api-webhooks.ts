import { Type, type Static } from 'typebox';

/** Webhooks (`/api/webhooks`) and their delivery log (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops"). */

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 8,
      maxLength: 2000,
      description: 'http(s) URL. Private and loopback targets need CAIRN_WEBHOOK_ALLOW_PRIVATE=1.',
    }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    format: Type.Optional(Type.Enum(WEBHOOK_FORMATS)),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Partial(CreateWebhookBody, { additionalProperties: false });
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const Webhook = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  format: Type.Enum(WEBHOOK_FORMATS),
  enabled: Type.Boolean(),
  secret_prefix: Type.String({ description: 'First characters of the signing secret, to recognise it.' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type Webhook = Static<typeof Webhook>;

export const WebhookList = Type.Object({ webhooks: Type.Array(Webhook) });
export type WebhookList = Static<typeof WebhookList>;

export const CreatedWebhookResponse = Type.Object({
  webhook: Webhook,
  secret: Type.String({ description: 'The signing secret. Shown once.' }),
});
export type CreatedWebhookResponse = Static<typeof CreatedWebhookResponse>;

export const WebhookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type WebhookParams = Static<typeof WebhookParams>;

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    alert_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type DeliveriesQuery = Static<typeof DeliveriesQuery>;

export const DeliveryAttempt = Type.Object({
  delivery_id: Type.String({ description: 'Stable per alert × webhook: the X-Cairn-Delivery header.' }),
  alert_id: Type.String(),
  event: Type.String(),
  attempt: Type.Integer({ description: '1 for the first try.' }),
  attempted_at: Type.String(),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status, null when no response came.' }),
  latency_ms: Type.Number(),
  success: Type.Boolean(),
  error: Type.String(),
});
export type DeliveryAttempt = Static<typeof DeliveryAttempt>;

export const DeliveryState = Type.Object({
  delivery_id: Type.String(),
  alert_id: Type.String(),
  event: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('cancelled')]),
  attempts: Type.Integer(),
  next_attempt_at: Type.Union([Type.String(), Type.Null()]),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.String(),
});
export type DeliveryState = Static<typeof DeliveryState>;

export const DeliveriesResponse = Type.Object({
  attempts: Type.Array(DeliveryAttempt, { description: 'Every attempt, newest first.' }),
  deliveries: Type.Array(DeliveryState, { description: 'Current state of each alert × webhook delivery, newest first.' }),
});
export type DeliveriesResponse = Static<typeof DeliveriesResponse>;

export const TestDeliveryResponse = Type.Object({
  delivery_id: Type.String(),
  success: Type.Boolean(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  latency_ms: Type.Number(),
  error: Type.String(),
});
export type TestDeliveryResponse = Static<typeof TestDeliveryResponse>;
