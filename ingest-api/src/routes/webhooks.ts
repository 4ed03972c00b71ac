import {
  CreatedWebhookResponse,
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveriesResponse,
  TestDeliveryResponse,
  UpdateWebhookBody,
  Webhook,
  WebhookList,
  WebhookParams,
} from '@cairn/schemas';
import { deleteWebhook, getWebhook, isoOfCh, listDeliveries, listWebhooks, publicWebhook, saveWebhook } from '@cairn/storage';
import { authOf } from '../auth.js';
import { assertPublicTarget, generateWebhookSecret, sendTestEvent, sendWebhook, type WebhookSender } from '@cairn/alerts';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS_404 } from './common.js';
import { registerCrudRoutes } from './crud.js';

export interface WebhookRouteOptions {
  /** CAIRN_WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** Timeout of the test event (default 10 s). */
  timeoutMs?: number;
  send?: WebhookSender;
}

export function registerWebhookRoutes(app: ApiInstance, { store }: RouteContext, opts: WebhookRouteOptions): void {
  const send = opts.send ?? sendWebhook;
  const { found } = registerCrudRoutes(app, {
    path: '/api/webhooks',
    tag: 'webhooks',
    noun: 'webhook',
    params: WebhookParams,
    item: Webhook,
    find: (projectId, id) => getWebhook(store, projectId, id),
    list: {
      summary: "The project's webhooks (never their secrets)",
      response: WebhookList,
      load: async (projectId) => ({ webhooks: (await listWebhooks(store, projectId)).map(publicWebhook) }),
    },
    create: {
      summary: 'Create a webhook',
      description:
        'Alerts are POSTed with `X-Cairn-Event`, `X-Cairn-Delivery` (stable per alert × webhook), `X-Cairn-Timestamp` ' +
        '(Unix seconds) and `X-Cairn-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. The secret ' +
        'is in this answer only. Private and loopback targets are refused unless CAIRN_WEBHOOK_ALLOW_PRIVATE=1 (checked ' +
        'again on every delivery, on the addresses actually connected to).',
      body: CreateWebhookBody,
      response: CreatedWebhookResponse,
      run: async (projectId, body) => {
        const url = await assertPublicTarget(body.url, opts.allowPrivate);
        const secret = generateWebhookSecret();
        const saved = await saveWebhook(store, {
          project_id: projectId,
          name: body.name ?? '',
          url: url.toString(),
          secret,
          format: body.format ?? 'json',
          enabled: body.enabled ?? true,
        });
        return { webhook: publicWebhook(saved), secret };
      },
    },
    get: { summary: 'One webhook', answer: publicWebhook },
    update: {
      summary: 'Change a webhook (url, name, format, enabled); the secret stays',
      body: UpdateWebhookBody,
      run: async (_projectId, cur, b) => {
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
    },
    remove: { summary: 'Delete a webhook (its pending deliveries are cancelled)', run: (cur) => deleteWebhook(store, cur) },
  });

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
      const w = await found(projectId, request.params.id);
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
      const w = await found(authOf(request).projectId, request.params.id);
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
