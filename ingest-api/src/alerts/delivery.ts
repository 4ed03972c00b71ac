import { randomUUID } from 'node:crypto';
import type { Store } from '@cairn/storage';
import { chTime } from '../time.js';
import { claim } from './claims.js';
import type { SendResult, WebhookSender } from './http-send.js';
import { slackBody } from './payloads.js';
import { webhooksById, type WebhookRecord } from './repo.js';
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

interface DueRow {
  project_id: string;
  delivery_id: string;
  alert_id: string;
  webhook_id: string;
  event: string;
  attempts: number;
  created_at: string;
}

/**
 * A delivery row's version: attempt count first, so a state written after attempt n always
 * beats one written after attempt n-1 whatever the writers' clocks say; the fired row is 0.
 */
const versionOf = (attempts: number, nowMs: number): number => attempts * 1e13 + nowMs;

/** The first (pending, version 0) row of each delivery of a newly fired alert. */
export function pendingRows(
  projectId: string,
  alertId: string,
  event: string,
  webhookIds: readonly string[],
  deliveryIdOf: (w: string) => string,
  nowMs: number,
): object[] {
  return webhookIds.map((w) => ({
    project_id: projectId,
    delivery_id: deliveryIdOf(w),
    alert_id: alertId,
    webhook_id: w,
    event,
    status: 'pending',
    attempts: 0,
    next_attempt_at: chTime(nowMs),
    last_status_code: 0,
    last_error: '',
    created_at: chTime(nowMs),
    updated_at: chTime(nowMs),
    version: 0,
  }));
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

async function logAttempt(
  store: Store,
  row: DueRow,
  attempt: number,
  nowMs: number,
  r: SendResult,
  owner: string,
): Promise<void> {
  await store.insertRows('webhook_attempts', [
    {
      project_id: row.project_id,
      webhook_id: row.webhook_id,
      delivery_id: row.delivery_id,
      alert_id: row.alert_id,
      event: row.event,
      attempt,
      attempted_at: chTime(nowMs),
      status_code: r.statusCode ?? 0,
      latency_ms: r.latencyMs,
      error: r.error.slice(0, 2000),
      success: r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300 ? 1 : 0,
      engine_id: owner,
    },
  ]);
}

async function writeState(
  store: Store,
  row: DueRow,
  s: { status: string; attempts: number; next: number; code: number; error: string },
  nowMs: number,
): Promise<void> {
  await store.insertRows('webhook_deliveries', [
    {
      project_id: row.project_id,
      delivery_id: row.delivery_id,
      alert_id: row.alert_id,
      webhook_id: row.webhook_id,
      event: row.event,
      status: s.status,
      attempts: s.attempts,
      next_attempt_at: chTime(s.next),
      last_status_code: s.code,
      last_error: s.error.slice(0, 2000),
      created_at: row.created_at,
      updated_at: chTime(nowMs),
      version: versionOf(s.attempts, nowMs),
    },
  ]);
}

const DUE_SQL = `
  SELECT project_id, delivery_id, alert_id, webhook_id, event, attempts, toString(created_at) AS created_at
  FROM webhook_deliveries FINAL
  WHERE status = 'pending' AND next_attempt_at <= toDateTime64({now:String}, 3, 'UTC')
  ORDER BY next_attempt_at LIMIT {n:UInt32}`;

/**
 * Sends every pending delivery whose time has come: claims them (so a second engine skips
 * them), re-reads their state, posts them, logs each attempt and schedules a retry with
 * exponential backoff or ends the delivery. Returns the number of attempts made.
 */
export async function processDue(store: Store, cfg: DeliveryConfig, nowMs: number, batch = 200): Promise<number> {
  const due = await store.query<DueRow>(DUE_SQL, { now: chTime(nowMs), n: batch });
  if (due.length === 0) return 0;
  const keyOf = (r: DueRow): string => `delivery:${r.delivery_id}#${Number(r.attempts) + 1}`;
  const won = await claim(store, due.map(keyOf), {
    owner: cfg.owner,
    settleMs: cfg.settleMs,
    leaseMs: cfg.timeoutMs + 30_000,
    nowMs,
  });
  // State may have moved while claims settled (another engine finished this attempt earlier).
  const fresh = await store.query<DueRow>(DUE_SQL, { now: chTime(nowMs), n: batch });
  const mine = fresh.filter((r) => won.has(keyOf(r)));
  if (mine.length === 0) return 0;
  const alerts = await store.query<{ alert_id: string; payload: string }>(
    'SELECT alert_id, payload FROM alerts FINAL WHERE alert_id IN {ids:Array(String)}',
    { ids: [...new Set(mine.map((r) => r.alert_id))] },
  );
  const payloadOf = new Map(alerts.map((a) => [a.alert_id, a.payload]));
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
        await writeState(store, row, { status: 'cancelled', attempts: attempt - 1, next: nowMs, code: 0, error: why }, nowMs);
        return;
      }
      const result = await postSigned(cfg.send, hook, row.event, row.delivery_id, bodyFor(hook.format, payload), nowMs, cfg);
      attempts += 1;
      await logAttempt(store, row, attempt, nowMs, result, cfg.owner);
      const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
      const final = ok || result.refused || attempt >= cfg.maxAttempts;
      await writeState(
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
  const row: DueRow = {
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
