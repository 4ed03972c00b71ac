import { rawSql } from '../src/testing.js';
import { titlesOf } from '../src/index.js';
import { describe, expect, it } from 'vitest';
import type { SpanRow } from '@cairn/schemas';
import { loadConfig, startCairn } from 'cairn';
import { openTestStore, SERVER_MODE } from '@cairn/testkit';

// Server mode runs the same SQL and client calls as embedded mode, against a ClickHouse server.
// No server can run on the machines that build Cairn (Debian ships 18.16, too old for this
// schema), so this suite runs only when CLICKHOUSE_URL points at one — for example the compose
// file's: `docker compose -f deploy/docker-compose.yml up -d clickhouse` then
// `CLICKHOUSE_URL=http://127.0.0.1:8123 npx vitest run storage/test collector/test ingest-api/test`
// (every test that opens its store through testStoreConfig/openTestStore then uses the server).
const SKIP_REASON =
  'server-mode suite SKIPPED: CLICKHOUSE_URL is not set (start one with deploy/docker-compose.yml, see the README)';
if (!SERVER_MODE) process.stderr.write(`\n${SKIP_REASON}\n\n`);

describe.skipIf(SERVER_MODE)('server mode', () => {
  it.skip(SKIP_REASON, () => undefined);
});

const INGEST = 'cairn_ik_' + 'servermode'.repeat(3);
const ADMIN = 'cairn_ak_' + 'servermode'.repeat(3);

function span(i: number): SpanRow {
  return {
    project_id: 'default',
    session_id: `srv-${i % 3}`,
    trace_id: 'f'.repeat(32),
    span_id: i.toString(16).padStart(16, '0'),
    parent_span_id: '',
    name: 'chat',
    kind: 'llm',
    agent_name: 'srv',
    workflow: '',
    user_id: '',
    service_name: 'svc',
    autonomy_level: '',
    start_time_ns: BigInt(Date.now() - 1000) * 1_000_000n,
    end_time_ns: BigInt(Date.now()) * 1_000_000n,
    status: 'ok',
    status_message: '',
    model: 'gpt-4o-mini',
    provider: 'openai',
    input_tokens: 100,
    output_tokens: 10,
    cost_usd: 0.5,
  } as SpanRow;
}

describe.runIf(SERVER_MODE)('server mode against CLICKHOUSE_URL', () => {
  it('store: migrates a fresh database, and a replayed batch (same token) is stored once, in the rollups too', async () => {
    const t = await openTestStore();
    try {
      expect(t.store.mode).toBe('server');
      const rows = Array.from({ length: 30 }, (_, i) => span(i));
      await t.store.insertSpans(rows, { dedupToken: 'server-mode-1' });
      await t.store.insertSpans(rows, { dedupToken: 'server-mode-1' });
      const [c] = await rawSql(t.store).query<{ n: number }>('SELECT count() AS n FROM spans');
      const [r] = await rawSql(t.store).query<{ n: number }>('SELECT sum(spans) AS n FROM sessions_rollup');
      expect(Number(c!.n)).toBe(30);
      expect(Number(r!.n)).toBe(30);
      // The titles view (0008) runs on the server too: every span here is a root named 'chat'.
      expect((await titlesOf(t.store, 'default', ['srv-0'])).get('srv-0')).toBe('chat');
    } finally {
      await t.cleanup();
    }
  });

  it('collector, API and alert engine: OTLP in, sessions out, /readyz ready, a budget alert fires', async () => {
    const t = await openTestStore();
    const cairn = await startCairn(
      loadConfig({
        ...process.env,
        CLICKHOUSE_DATABASE: t.config.clickhouseDatabase,
        CAIRN_DATA_DIR: t.config.dataDir,
        CAIRN_OTLP_PORT: '0',
        CAIRN_OTLP_GRPC_PORT: '0',
        CAIRN_HTTP_PORT: '0',
        CAIRN_INGEST_KEY: INGEST,
        CAIRN_ADMIN_KEY: ADMIN,
        CAIRN_BATCH_MAX_MS: '50',
        CAIRN_ALERT_INTERVAL_MS: '600000',
        CAIRN_DASHBOARD_DIR: 'off',
      }),
      { quiet: true },
    );
    try {
      const now = BigInt(Date.now()) * 1_000_000n;
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'srv' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: 'a'.repeat(32),
                    spanId: 'b'.repeat(16),
                    name: 'chat gpt-4o',
                    kind: 3,
                    startTimeUnixNano: String(now - 1_000_000n),
                    endTimeUnixNano: String(now),
                    attributes: [
                      { key: 'gen_ai.conversation.id', value: { stringValue: 'srv-otlp' } },
                      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                      { key: 'gen_ai.usage.input_tokens', value: { intValue: '1000000' } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      };
      const res = await fetch(`${cairn.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      await cairn.flush();
      const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
      const list = (await (await fetch(`${cairn.apiUrl}/api/sessions`, { headers: auth })).json()) as {
        sessions: { session_id: string }[];
      };
      expect(list.sessions.map((s) => s.session_id)).toContain('srv-otlp');
      expect((await fetch(`${cairn.otlpUrl}/readyz`)).status).toBe(200);
      const budget = await fetch(`${cairn.apiUrl}/api/budgets`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'tiny', scope: {}, period: 'day', limit_usd: 0.01 }),
      });
      expect(budget.status).toBe(201);
      const tick = await cairn.alerts!.runOnce();
      expect(tick.fired.length).toBeGreaterThan(0);
    } finally {
      await cairn.stop();
      await t.cleanup();
    }
  });
});
