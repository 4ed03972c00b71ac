import { randomUUID } from 'node:crypto';
import {
  alertPayloads,
  chTime,
  claim,
  dueDeliveries,
  logAttempt,
  webhooksById,
  writeDeliveryState,
  type DueDelivery,
  type Store,
  type WebhookRecord,
} from '@cairn/storage';
import type { SendResult, WebhookSender } from './http-send.js';
import { slackBody } from '../payloads.js';
import { signPayload } from './signing.js';

export interface DeliveryConfig {
  allowPrivate: boolean;
  timeoutMs: number;
  /** Delay before retry n (n ≥ 1) is retryBaseMs × 2^(n-1). */
  retryBaseMs: number;
  maxAttempts: number;
  settleMs: number;
  owner: string;
  send: WebhookSender;
}

/** The bytes a webhook receives for an alert body in its format. */
export function bodyFor(format: WebhookRecord['format'], payload: string): string {
  return format === 'slack' ? JSON.stringify(slackBody(JSON.parse(payload) as Record<string, unknown>)) : payload;
}

/** Signs and posts one body; the headers of docs/ARCHITECTURE.md, "Budgets, alerts and hard stops". */
export async function postSigned(
  send: WebhookSender,
  webhook: WebhookRecord,
  event: string,
  deliveryId: string,
  body: string,
  nowMs: number,
  opts: { allowPrivate: boolean; timeoutMs: number },
): Promise<SendResult> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return send(
    webhook.url,
    {
      'x-cairn-event': event,
      'x-cairn-delivery': deliveryId,
      'x-cairn-timestamp': timestamp,
      'x-cairn-signature': signPayload(webhook.secret, timestamp, body),
    },
    body,
    opts,
  );
}

/**
 * Sends every pending delivery whose time has come: claims them (so a second engine skips
 * them), re-reads their state, posts them, logs each attempt and schedules a retry with
 * exponential backoff or ends the delivery. Returns the number of attempts made.
 */
export async function processDue(store: Store, cfg: DeliveryConfig, nowMs: number, batch = 200): Promise<number> {
  const due = await dueDeliveries(store, nowMs, batch);
  if (due.length === 0) return 0;
  const keyOf = (r: DueDelivery): string => `delivery:${r.delivery_id}#${Number(r.attempts) + 1}`;
  const won = await claim(store, due.map(keyOf), {
    owner: cfg.owner,
    settleMs: cfg.settleMs,
    leaseMs: cfg.timeoutMs + 30_000,
    nowMs,
  });
  // State may have moved while claims settled (another engine finished this attempt earlier).
  const fresh = await dueDeliveries(store, nowMs, batch);
  const mine = fresh.filter((r) => won.has(keyOf(r)));
  if (mine.length === 0) return 0;
  const payloadOf = await alertPayloads(
    store,
    mine.map((r) => r.alert_id),
  );
  const hooks = await webhooksById(
    store,
    mine.map((r) => r.webhook_id),
  );
  let attempts = 0;
  await Promise.all(
    mine.map(async (row) => {
      const attempt = Number(row.attempts) + 1;
      const hook = hooks.get(row.webhook_id);
      const payload = payloadOf.get(row.alert_id);
      if (!hook || hook.deleted || !hook.enabled || payload === undefined) {
        const why = !hook || hook.deleted ? 'webhook deleted' : !hook.enabled ? 'webhook disabled' : 'alert not found';
        await writeDeliveryState(
          store,
          row,
          { status: 'cancelled', attempts: attempt - 1, next: nowMs, code: 0, error: why },
          nowMs,
        );
        return;
      }
      const result = await postSigned(cfg.send, hook, row.event, row.delivery_id, bodyFor(hook.format, payload), nowMs, cfg);
      attempts += 1;
      await logAttempt(store, row, attempt, nowMs, result, cfg.owner);
      const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
      const final = ok || result.refused || attempt >= cfg.maxAttempts;
      await writeDeliveryState(
        store,
        row,
        {
          status: ok ? 'delivered' : final ? 'failed' : 'pending',
          attempts: attempt,
          next: final ? nowMs : nowMs + cfg.retryBaseMs * 2 ** (attempt - 1),
          code: result.statusCode ?? 0,
          error: result.error,
        },
        nowMs,
      );
    }),
  );
  return attempts;
}

/** `POST /api/webhooks/:id/test`: one signed `test` event, sent now, logged, never retried. */
export async function sendTestEvent(
  store: Store,
  hook: WebhookRecord,
  opts: { allowPrivate: boolean; timeoutMs: number; send: WebhookSender; nowMs: number },
): Promise<SendResult & { deliveryId: string }> {
  const deliveryId = 'dlv_test_' + randomUUID().replace(/-/g, '');
  const id = 'alt_test_' + randomUUID().replace(/-/g, '');
  const payload = JSON.stringify({
    id,
    type: 'test',
    created_at: new Date(opts.nowMs).toISOString(),
    project_id: hook.project_id,
    message: `Test event for webhook "${hook.name || hook.id}"`,
  });
  const row: DueDelivery = {
    project_id: hook.project_id,
    delivery_id: deliveryId,
    alert_id: id,
    webhook_id: hook.id,
    event: 'test',
    attempts: 0,
    created_at: chTime(opts.nowMs),
  };
  const result = await postSigned(opts.send, hook, 'test', deliveryId, bodyFor(hook.format, payload), opts.nowMs, opts);
  await logAttempt(store, row, 1, opts.nowMs, result, 'api');
  return { ...result, deliveryId };
}
