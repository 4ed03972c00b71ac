import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertPayloads,
  anomaliesOf,
  dueDeliveries,
  existingAlerts,
  listAlerts,
  writeFiredAlerts,
  type FiredAlert,
  type Firing,
  type Store,
} from '../src/index.js';
import { openTestStore } from '@cairn/testkit';

// The alert engine hands storage typed rows (times in epoch ms); storage encodes them. Read back
// through the same functions the API and the engine use.
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

const T0 = Date.UTC(2031, 2, 4, 10, 30, 0, 250);
const alert = (over: Partial<FiredAlert> = {}): FiredAlert => ({
  project_id: 'p-fire',
  alert_id: 'alt_1',
  type: 'anomaly.retry_loop',
  alert_key: 'anomaly.retry_loop:s-1',
  budget_id: '',
  session_id: 's-1',
  agent_name: 'looper',
  threshold: 0,
  period_start_ms: Date.UTC(2031, 2, 4),
  period_end_ms: Date.UTC(2031, 2, 5),
  spent_usd: 1.25,
  limit_usd: 0,
  percent: 0,
  message: 'first writer',
  payload: '{"id":"alt_1"}',
  ...over,
});
const firing = (a: FiredAlert): Firing => ({
  deliveries: [{ project_id: a.project_id, delivery_id: 'dlv_1', alert_id: a.alert_id, webhook_id: 'wh_1', event: a.type }],
  flags: [{ project_id: a.project_id, session_id: 's-1', type: 'retry_loop', alert_id: a.alert_id }],
  alerts: [a],
});

describe('writeFiredAlerts', () => {
  it('writes the alert with its times encoded, the flag and a pending delivery due at once', async () => {
    await writeFiredAlerts(store, firing(alert()), T0);
    expect(await existingAlerts(store, ['alt_1', 'alt_other'])).toEqual(new Set(['alt_1']));
    const [row] = await listAlerts(store, 'p-fire', { limit: 10 });
    expect(row).toMatchObject({
      alert_id: 'alt_1',
      type: 'anomaly.retry_loop',
      session_id: 's-1',
      spent_usd: 1.25,
      message: 'first writer',
      period_start: '2031-03-04 00:00:00.000',
      period_end: '2031-03-05 00:00:00.000',
      created_at: '2031-03-04 10:30:00.250',
    });
    expect((await alertPayloads(store, ['alt_1'])).get('alt_1')).toBe('{"id":"alt_1"}');
    expect((await anomaliesOf(store, 'p-fire', ['s-1'])).get('s-1')).toEqual(['retry_loop']);
    expect(await dueDeliveries(store, T0 - 1, 10)).toEqual([]);
    expect(await dueDeliveries(store, T0, 10)).toMatchObject([
      { delivery_id: 'dlv_1', alert_id: 'alt_1', webhook_id: 'wh_1', event: 'anomaly.retry_loop', attempts: 0 },
    ]);
  });

  it('keeps the earliest writer of an alert when a second engine writes the same id later', async () => {
    await writeFiredAlerts(store, firing(alert({ message: 'later writer' })), T0 + 5_000);
    const rows = await listAlerts(store, 'p-fire', { limit: 10 });
    expect(rows.map((r) => [r.alert_id, r.message, r.created_at])).toEqual([
      ['alt_1', 'first writer', '2031-03-04 10:30:00.250'],
    ]);
  });
});
