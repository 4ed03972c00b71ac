/*
 * Example 1: a multi-agent reporting pipeline. An orchestrator plans the weekly sales report,
 * a data-miner pulls rows from the warehouse, a cleaner fixes them, three analyzers work in
 * parallel, a narrator writes the report and a risk-critic reviews it (escalating to a human
 * when unsure). Failure scenario ("upstream-empty"): the warehouse returns no rows, the miner
 * keeps retrying the same query, and the repeat cap ends the run.
 */
import { agent, escalate, isRunStoppedError, session, snapshot, step, tool, wrapOpenAI } from '@cairn/sdk';
import type { SessionHandle, SessionUsage } from '@cairn/sdk';
import { runAsMain } from './main.js';
import { createSimOpenAI, toolDelay } from './sim-llm.js';
import { seededRandom } from '@cairn/schemas/conventions';
import type { Responder } from './sim-llm.js';

export type PipelineScenario = 'normal' | 'upstream-empty';

export interface PipelineOptions {
  scenario?: PipelineScenario;
  week?: number;
  seed?: number;
  timeScale?: number;
  sessionId?: string;
}

export interface ExampleResult {
  sessionId: string;
  status: 'ok' | 'stopped' | 'error';
  usage: SessionUsage | undefined;
  error?: string;
  output?: unknown;
}

const SEGMENTS = ['revenue', 'regions', 'products'] as const;
export const PIPELINE_CAPS = { maxCostUsd: 0.5, maxSteps: 60, maxToolRepeats: 3, maxDurationMs: 10 * 60_000 };
export const CRITIC_THRESHOLD = 0.7;

// House rules every agent of the team gets in its system prompt (a realistic prompt size).
const TEAM_CONTEXT =
  'Company: Acme Home, fiscal weeks start Monday (UTC). Currency USD. Regions: EMEA, APAC, AMER. ' +
  'Report for the CFO staff meeting: precise numbers, no speculation without a flag, cite the table each figure comes from. ' +
  'Tables: sales(order, region, sku, qty, amount, booked_at), returns(order, sku, qty, amount, reason), promotions(sku, start, end, discount). '.repeat(
    4,
  );

const respond: Responder = (system, user) => {
  const role = /^ROLE:(\S+)/.exec(system)?.[1] ?? '';
  switch (role) {
    case 'orchestrator':
      return {
        text: `Plan: 1) pull ${user} sales rows, 2) clean and dedupe, 3) analyze ${SEGMENTS.join(', ')} in parallel, 4) narrate, 5) risk review.`,
      };
    case 'data-miner':
      return user.includes('0 rows')
        ? { text: 'The warehouse returned no rows. This is probably a transient replication lag; I will retry the same query.' }
        : { text: 'Rows look complete for the week: 7 days present, 3 regions, 14 SKUs.' };
    case 'cleaner':
      return {
        text: 'Found 3 duplicate orders and 2 negative quantities (returns booked as sales). Dropped duplicates, moved returns to a separate table.',
      };
    case 'analyzer':
      return {
        text: `Finding for ${user}: week-over-week change is within the normal band except for one outlier, which is explained by a promotion on day 3. Confidence is high.`,
        reasoningTokens: 180,
      };
    case 'narrator':
      return {
        text:
          'Weekly sales report. Revenue grew 6.2% week over week to $1.84M, driven by the EMEA region (+11%) and the new bundle SKU. ' +
          "APAC was flat after last week's promotion ended. Returns stayed at 2.1% of orders. Two data issues were fixed before analysis: " +
          'three duplicate orders and two returns booked as sales. Outlook: the bundle promotion ends Friday; expect a 2-3% dip next week.',
      };
    case 'risk-critic':
      return {
        text: 'Review: figures are consistent with the cleaned data. One claim (bundle impact) rests on a single day of data. Score 0.82.',
      };
    default:
      return { text: 'OK.' };
  }
};

/** Runs one weekly report as one Cairn session. Never throws: the outcome is in the result. */
export async function runReportingPipeline(opts: PipelineOptions = {}): Promise<ExampleResult> {
  const scenario = opts.scenario ?? 'normal';
  const week = opts.week ?? 7;
  const timeScale = opts.timeScale ?? 1;
  const random = seededRandom((opts.seed ?? 1) * 7919);
  const llm = wrapOpenAI(createSimOpenAI(respond, { timeScale, seed: opts.seed ?? 1 }));
  const ask = async (role: string, model: string, prompt: string, context = ''): Promise<string> => {
    const r = await llm.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: `ROLE:${role} You are the ${role} of a finance reporting team. ${TEAM_CONTEXT} ${context}` },
        { role: 'user', content: prompt },
      ],
    });
    return r.choices[0]?.message.content ?? '';
  };
  let sessionId = opts.sessionId ?? '';
  let handle: SessionHandle | undefined;
  try {
    const output = await session(
      {
        agent: 'report-orchestrator',
        ...(opts.sessionId ? { id: opts.sessionId } : {}),
        workflow: 'weekly-sales-report',
        user: 'finance-team',
        autonomy: 'hotl',
        tags: ['example', `scenario:${scenario}`],
        caps: PIPELINE_CAPS,
        input: { week, scenario },
      },
      async (s) => {
        sessionId = s.id;
        handle = s;
        await step('plan', async () => {
          const plan = await ask('orchestrator', 'gpt-4.1-mini', `week ${week}`);
          snapshot({ stage: 'planned', week, plan });
        });

        const rows = await agent('data-miner', async () => {
          for (let attempt = 1; ; attempt++) {
            const got = await tool('warehouse.query', { table: 'sales', week }, async () => {
              await toolDelay(random, timeScale, 120);
              if (scenario === 'upstream-empty') return [];
              return Array.from({ length: 120 }, (_, i) => ({
                order: 10_000 + i,
                region: ['EMEA', 'APAC', 'AMER'][i % 3],
                amount: Math.round(500 + random() * 30_000) / 2,
              }));
            });
            const ok = await step('check-rows', async () => {
              const verdict = await ask(
                'data-miner',
                'gpt-4.1-mini',
                `${got.length} rows returned for week ${week} (attempt ${attempt})`,
              );
              snapshot({ stage: 'mined', attempt, rows: got.length, verdict });
              return got.length > 0;
            });
            if (ok) return got;
          }
        });

        const clean = await agent('cleaner', async () => {
          const deduped = await tool('dataframe.dedupe', { keys: ['order'], rows: rows.length }, async () => {
            await toolDelay(random, timeScale);
            return { rows: rows.length - 3, duplicates: 3 };
          });
          const note = await ask(
            'cleaner',
            'gpt-4.1-mini',
            `Check ${deduped.rows} rows for anomalies. Sample: ${JSON.stringify(rows.slice(0, 40))}`,
          );
          snapshot({ stage: 'cleaned', rows: deduped.rows - 2, dropped: { duplicates: 3, returns: 2 }, note });
          return { rows: deduped.rows - 2 };
        });

        const findings = await Promise.all(
          SEGMENTS.map((segment) =>
            agent(`analyzer-${segment}`, async (a) => {
              const stats = await tool('stats.compute', { segment, week, rows: clean.rows }, async () => {
                await toolDelay(random, timeScale, 80);
                return { wow_change_pct: Math.round((random() * 14 - 3) * 10) / 10, outliers: 1 };
              });
              const finding = await ask(
                'analyzer',
                'o4-mini',
                `${segment}: ${JSON.stringify(stats)} over rows ${JSON.stringify(rows.filter((_, i) => i % 3 === SEGMENTS.indexOf(segment)).slice(0, 30))}`,
              );
              a.confidence(0.8 + Math.round(random() * 15) / 100);
              return { segment, stats, finding };
            }),
          ),
        );
        await step('merge-findings', () =>
          snapshot({ stage: 'analyzed', findings: findings.map((f) => ({ segment: f.segment, ...f.stats })) }),
        );

        const report = await agent('narrator', async () => {
          const text = await ask('narrator', 'gpt-4.1', `Write the report from: ${JSON.stringify(findings)}`);
          snapshot({ stage: 'narrated', words: text.split(' ').length });
          return text;
        });

        await agent('risk-critic', async (c) => {
          const review = await ask('risk-critic', 'gpt-4.1-mini', `Review this report: ${report}`);
          const score = Number(/Score (\d\.\d+)/.exec(review)?.[1] ?? '0');
          c.confidence(score);
          if (score < CRITIC_THRESHOLD) escalate(`critic score ${score} below ${CRITIC_THRESHOLD}`, 'finance-lead');
          snapshot({ stage: 'reviewed', score, publish: score >= CRITIC_THRESHOLD });
        });
        return { report };
      },
    );
    return { sessionId, status: 'ok', usage: handle?.usage(), output };
  } catch (err) {
    return {
      sessionId,
      status: isRunStoppedError(err) ? 'stopped' : 'error',
      usage: handle?.usage(),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

runAsMain(import.meta.url, 'reporting-pipeline', [
  () => runReportingPipeline({ scenario: 'normal' }),
  () => runReportingPipeline({ scenario: 'upstream-empty' }),
]);
