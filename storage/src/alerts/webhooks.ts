import { randomUUID } from 'node:crypto';
import type { Webhook, WebhookFormat } from '@cairn/schemas';
import type { Store } from '../store.js';
import { chTime } from '../queries/time.js';
import { nextRecord, versionedTable } from '../versioned-table.js';
import { isoOfCh } from './versions.js';

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

const webhooks = versionedTable<WebhookRow, WebhookRecord>({
  table: 'webhooks',
  key: 'webhook_id',
  columns: WEBHOOK_COLUMNS,
  fromRow: toWebhook,
  toRow: (w) => ({
    project_id: w.project_id,
    webhook_id: w.id,
    name: w.name,
    url: w.url,
    secret: w.secret,
    format: w.format,
    enabled: w.enabled ? 1 : 0,
    created_at: chTime(Date.parse(w.created_at)),
    updated_at: chTime(Date.parse(w.updated_at)),
  }),
});

export const listWebhooks = (store: Store, projectId: string): Promise<WebhookRecord[]> => webhooks.list(store, projectId);

/** Webhooks by id (deleted ones included, flagged), for deliveries that outlive a change. */
export async function webhooksById(
  store: Store,
  ids: readonly string[],
): Promise<Map<string, WebhookRecord & { deleted: boolean }>> {
  const rows = await webhooks.byIds(store, ids);
  return new Map(rows.map(({ record, deleted }) => [record.id, { ...record, deleted }]));
}

export const getWebhook = (store: Store, projectId: string, id: string): Promise<WebhookRecord | undefined> =>
  webhooks.get(store, projectId, id);

/** Writes a webhook (new or changed) as a new version; returns it as written. */
export async function saveWebhook(
  store: Store,
  w: Omit<WebhookRecord, 'id' | 'created_at' | 'updated_at' | 'secret_prefix'> & { id?: string; created_at?: string },
): Promise<WebhookRecord> {
  const rec: WebhookRecord = { ...nextRecord(w, randomUUID), secret_prefix: w.secret.slice(0, 10) };
  await webhooks.save(store, rec);
  return rec;
}

/** Deletes a webhook: a new version of it, flagged deleted (deliveries still find it by id). */
export async function deleteWebhook(store: Store, w: WebhookRecord): Promise<void> {
  await webhooks.delete(store, { ...w, updated_at: new Date().toISOString() });
}

/** The public view of a webhook: never the secret. */
export function publicWebhook(w: WebhookRecord): Webhook {
  const { project_id: _p, secret: _s, ...rest } = w;
  return rest;
}
