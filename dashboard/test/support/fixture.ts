/** A real Cairn (collector + API serving the built dashboard) and a real Chromium, for e2e tests. */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CairnRuntime } from 'cairn';
import { startTestCairn } from '@cairn/testkit';
import { sendSpans, sessionSpans, type SpanSpec } from './otlp';

const here = dirname(fileURLToPath(import.meta.url));
export const DASHBOARD_DIST = resolve(here, '../../dist');
/** Screenshots land in <repo>/test-output/screenshots (gitignored); the README names it. */
export const SCREENSHOT_DIR = resolve(here, '../../../test-output/screenshots');
export const INGEST_KEY = 'cairn_ik_' + 'x'.repeat(24);
export const ADMIN_KEY = 'cairn_ak_' + 'y'.repeat(24);

export interface Env {
  cairn: CairnRuntime;
  dataDir: string;
  close(): Promise<void>;
}

export async function startEnv(
  extraEnv: Record<string, string> = {},
  ports = { otlp: '0', http: '0' },
  dist = DASHBOARD_DIST,
): Promise<Env> {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(`no built dashboard in ${dist}: run \`npm run build\` (or \`npx vite build\` in dashboard/) first`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-dash-'));
  const cairn = await startTestCairn(
    dataDir,
    {
      CAIRN_OTLP_PORT: ports.otlp,
      CAIRN_HTTP_PORT: ports.http,
      CAIRN_INGEST_KEY: INGEST_KEY,
      CAIRN_ADMIN_KEY: ADMIN_KEY,
      ...extraEnv,
    },
    { dashboardDir: dist },
  );
  return {
    cairn,
    dataDir,
    async close() {
      await cairn.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function send(env: Env, spans: SpanSpec[], batch = 2500): Promise<void> {
  for (let i = 0; i < spans.length; i += batch) await sendSpans(env.cairn.otlpUrl, INGEST_KEY, spans.slice(i, i + batch));
  await env.cairn.flush();
}

/** A handful of sessions over three agents with different costs, one with everything going wrong. */
export async function seedDemo(env: Env): Promise<void> {
  const now = Date.now();
  const spans: SpanSpec[] = [
    ...sessionSpans({
      sessionId: 'sess-research-big',
      agent: 'orchestrator',
      subAgents: ['data-miner', 'analyzer', 'writer'],
      rounds: 6,
      costPerCall: 0.03,
      escalateAt: 3,
      errorAt: 4,
      limitAt: 5,
      startMs: now - 20 * 60_000,
      user: 'alice',
    }),
    ...sessionSpans({
      sessionId: 'sess-research-small',
      agent: 'orchestrator',
      subAgents: ['data-miner'],
      rounds: 2,
      costPerCall: 0.001,
      startMs: now - 15 * 60_000,
      user: 'bob',
    }),
    ...sessionSpans({
      sessionId: 'sess-support-1',
      title: 'Refund for order #1182',
      agent: 'support-bot',
      rounds: 3,
      costPerCall: 0.0004,
      startMs: now - 10 * 60_000,
      user: 'carol',
      workflow: 'support',
    }),
    ...sessionSpans({
      sessionId: 'sess-support-2',
      agent: 'support-bot',
      rounds: 4,
      costPerCall: 0.0005,
      startMs: now - 8 * 60_000,
      user: 'dave',
      workflow: 'support',
    }),
    ...sessionSpans({
      sessionId: 'sess-support-3',
      agent: 'support-bot',
      rounds: 3,
      costPerCall: 0.0004,
      startMs: now - 6 * 60_000,
      user: 'erin',
      workflow: 'support',
    }),
    ...sessionSpans({
      sessionId: 'sess-support-4',
      agent: 'support-bot',
      rounds: 5,
      costPerCall: 0.004,
      escalateAt: 2,
      startMs: now - 4 * 60_000,
      user: 'frank',
      workflow: 'support',
    }),
    ...sessionSpans({
      sessionId: 'sess-coder-1',
      agent: 'coder',
      rounds: 4,
      costPerCall: 0.012,
      errorAt: 1,
      startMs: now - 2 * 60_000,
      user: 'alice',
      workflow: 'codegen',
    }),
  ];
  await send(env, spans);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export async function signIn(page: Page, apiUrl: string): Promise<void> {
  await page.goto(`${apiUrl}/sign-in`);
  await page.fill('#admin-key', ADMIN_KEY);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/sessions/);
}
