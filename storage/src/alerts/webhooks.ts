import { randomUUID } from 'node:crypto';
import type { Webhook, WebhookFormat } from '@cairn/schemas';
import type { Store } from '../store.js';
import { chTime } from '../queries/time.js';
import { isoOfCh, nextVersion } from './versions.js';

/** Webhooks in their ReplacingMergeTree table (a change is a new version). */

export interface WebhookRecord extends Webhook {
  project_id: string;
  secret: string;
}

interface WebhookRow {
  project_id: string;
  webhook_id: string;
  name: string;
  url: string;
  secret: string;
  format: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

const WEBHOOK_COLUMNS = `project_id, webhook_id, name, url, secret, format, enabled,
  toString(created_at) AS created_at, toString(updated_at) AS updated_at`;

function toWebhook(r: WebhookRow): WebhookRecord {
  return {
    project_id: r.project_id,
    id: r.webhook_id,
    name: r.name,
    url: r.url,
    secret: r.secret,
    secret_prefix: r.secret.slice(0, 10),
    format: (r.format === 'slack' ? 'slack' : 'json') as WebhookFormat,
    enabled: Number(r.enabled) === 1,
    created_at: isoOfCh(r.created_at),
    updated_at: isoOfCh(r.updated_at),
  };
}

export async function listWebhooks(store: Store, projectId: string): Promise<WebhookRecord[]> {
  const rows = await store.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks FINAL WHERE project_id = {p:String} AND deleted = 0 ORDER BY created_at, webhook_id`,
    { p: projectId },
  );
  return rows.map(toWebhook);
}

/** Webhooks by id (deleted ones included, flagged), for deliveries that outlive a change. */
export async function webhooksById(
  store: Store,
  ids: readonly string[],
): Promise<Map<string, WebhookRecord & { deleted: boolean }>> {
  if (ids.length === 0) return new Map();
  const rows = await store.query<WebhookRow & { deleted: number }>(
    `SELECT ${WEBHOOK_COLUMNS}, deleted FROM webhooks FINAL WHERE webhook_id IN {ids:Array(String)}`,
    { ids: [...new Set(ids)] },
  );
  return new Map(rows.map((r) => [r.webhook_id, { ...toWebhook(r), deleted: Number(r.deleted) === 1 }]));
}

export async function getWebhook(store: Store, projectId: string, id: string): Promise<WebhookRecord | undefined> {
  const rows = await store.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks FINAL WHERE project_id = {p:String} AND webhook_id = {id:String} AND deleted = 0 LIMIT 1`,
    { p: projectId, id },
  );
  return rows[0] ? toWebhook(rows[0]) : undefined;
}

export async function saveWebhook(
  store: Store,
  w: Omit<WebhookRecord, 'id' | 'created_at' | 'updated_at' | 'secret_prefix'> & { id?: string; created_at?: string },
  deleted = false,
): Promise<WebhookRecord> {
  const id = w.id ?? randomUUID();
  const now = Date.now();
  const created = w.created_at ? Date.parse(w.created_at) : now;
  await store.insertRows('webhooks', [
    {
      project_id: w.project_id,
      webhook_id: id,
      name: w.name,
      url: w.url,
      secret: w.secret,
      format: w.format,
      enabled: w.enabled ? 1 : 0,
      created_at: chTime(created),
      updated_at: chTime(now),
      deleted: deleted ? 1 : 0,
      version: nextVersion(),
    },
  ]);
  return {
    ...w,
    id,
    secret_prefix: w.secret.slice(0, 10),
    created_at: new Date(created).toISOString(),
    updated_at: new Date(now).toISOString(),
  };
}

/** The public view of a webhook: never the secret. */
export function publicWebhook(w: WebhookRecord): Webhook {
  const { project_id: _p, secret: _s, ...rest } = w;
  return rest;
}
