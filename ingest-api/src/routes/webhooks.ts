import {
  CairnError,
  CreatedWebhookResponse,
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveriesResponse,
  OkResponse,
  TestDeliveryResponse,
  UpdateWebhookBody,
  Webhook,
  WebhookList,
  WebhookParams,
} from '@cairn/schemas';
import {
  deleteWebhook,
  getWebhook,
  isoOfCh,
  listDeliveries,
  listWebhooks,
  publicWebhook,
  saveWebhook,
  type Store,
  type WebhookRecord,
} from '@cairn/storage';
import { authOf } from '../auth.js';
import { assertPublicTarget, generateWebhookSecret, sendTestEvent, sendWebhook, type WebhookSender } from '@cairn/alerts';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS, AUTH_ERRORS_404 } from './common.js';

export interface WebhookRouteOptions {
  /** CAIRN_WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** Timeout of the test event (default 10 s). */
  timeoutMs?: number;
  send?: WebhookSender;
}

async function found(store: Store, projectId: string, id: string): Promise<WebhookRecord> {
  const w = await getWebhook(store, projectId, id);
  if (!w) throw new CairnError('CAIRN_NOT_FOUND', `no webhook "${id}" in this project`);
  return w;
}

export function registerWebhookRoutes(app: ApiInstance, { store }: RouteContext, opts: WebhookRouteOptions): void {
  const send = opts.send ?? sendWebhook;
  app.get(
    '/api/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: "The project's webhooks (never their secrets)",
        response: { 200: WebhookList, ...AUTH_ERRORS },
      },
    },
    async (request) => ({ webhooks: (await listWebhooks(store, authOf(request).projectId)).map(publicWebhook) }),
  );

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Create a webhook',
        description:
          'Alerts are POSTed with `X-Cairn-Event`, `X-Cairn-Delivery` (stable per alert × webhook), `X-Cairn-Timestamp` ' +
          '(Unix seconds) and `X-Cairn-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. The secret ' +
          'is in this answer only. Private and loopback targets are refused unless CAIRN_WEBHOOK_ALLOW_PRIVATE=1 (checked ' +
          'again on every delivery, on the addresses actually connected to).',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhookResponse, ...AUTH_ERRORS },
      },
    },
    async (request, reply) => {
      const { projectId } = authOf(request);
      const url = await assertPublicTarget(request.body.url, opts.allowPrivate);
      const secret = generateWebhookSecret();
      const saved = await saveWebhook(store, {
        project_id: projectId,
        name: request.body.name ?? '',
        url: url.toString(),
        secret,
        format: request.body.format ?? 'json',
        enabled: request.body.enabled ?? true,
      });
      return reply.status(201).send({ webhook: publicWebhook(saved), secret });
    },
  );

  app.get(
    '/api/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'One webhook',
        params: WebhookParams,
        response: { 200: Webhook, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => publicWebhook(await found(store, authOf(request).projectId, request.params.id)),
  );

  app.patch(
    '/api/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook (url, name, format, enabled); the secret stays',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const cur = await found(store, authOf(request).projectId, request.params.id);
      const b = request.body;
      const url = b.url !== undefined ? (await assertPublicTarget(b.url, opts.allowPrivate)).toString() : cur.url;
      const saved = await saveWebhook(store, {
        ...cur,
        url,
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.format !== undefined ? { format: b.format } : {}),
        ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
      });
      return publicWebhook(saved);
    },
  );

  app.delete(
    '/api/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook (its pending deliveries are cancelled)',
        params: WebhookParams,
        response: { 200: OkResponse, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const cur = await found(store, authOf(request).projectId, request.params.id);
      await deleteWebhook(store, cur);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: "Delivery log: every attempt (time, status code, latency, error) and each delivery's state",
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesResponse, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const { projectId } = authOf(request);
      const w = await found(store, projectId, request.params.id);
      const { attempts, states } = await listDeliveries(store, projectId, w.id, {
        limit: request.query.limit ?? 100,
        ...(request.query.alert_id !== undefined ? { alertId: request.query.alert_id } : {}),
      });
      return {
        attempts: attempts.map((r) => ({
          delivery_id: r.delivery_id,
          alert_id: r.alert_id,
          event: r.event,
          attempt: Number(r.attempt),
          attempted_at: isoOfCh(r.attempted_at),
          status_code: Number(r.status_code) === 0 ? null : Number(r.status_code),
          latency_ms: Number(r.latency_ms),
          success: Number(r.success) === 1,
          error: r.error,
        })),
        deliveries: states.map((r) => ({
          delivery_id: r.delivery_id,
          alert_id: r.alert_id,
          event: r.event,
          status: r.status,
          attempts: Number(r.attempts),
          next_attempt_at: r.status === 'pending' ? isoOfCh(r.next_attempt_at) : null,
          last_status_code: Number(r.last_status_code) === 0 ? null : Number(r.last_status_code),
          last_error: r.last_error,
        })),
      };
    },
  );

  app.post(
    '/api/webhooks/:id/test',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a signed `test` event now (logged, not retried)',
        params: WebhookParams,
        response: { 200: TestDeliveryResponse, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const w = await found(store, authOf(request).projectId, request.params.id);
      const r = await sendTestEvent(store, w, {
        allowPrivate: opts.allowPrivate,
        timeoutMs: opts.timeoutMs ?? 10_000,
        send,
        nowMs: Date.now(),
      });
      return {
        delivery_id: r.deliveryId,
        success: r.error === '' && r.statusCode !== null,
        status_code: r.statusCode,
        latency_ms: r.latencyMs,
        error: r.error,
      };
    },
  );
}
