import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { listBudgets, listProjects, type Store } from '@cairn/storage';
import { processDue } from './delivery/delivery.js';
import { agentBaselines, detectAnomalies, loadDetectorSettings, type AgentBaseline } from './detectors/index.js';
import { fireAlerts } from './fire.js';
import { sendWebhook, type WebhookSender } from './delivery/http-send.js';
import type { AlertDraft } from './payloads.js';
import { reviewTick, type ReviewTickResult } from './reviews/tick.js';
import { budgetSpends, type BudgetSpend } from './budgets/spend.js';

/** Settings of the alert engine; `alertIntervalMs` and `webhookAllowPrivate` match ApiConfig. */
export interface AlertEngineConfig {
  /** Time between two ticks (CAIRN_ALERT_INTERVAL_MS, default 10 s). */
  alertIntervalMs: number;
  /** CAIRN_WEBHOOK_ALLOW_PRIVATE. */
  webhookAllowPrivate: boolean;
  /** Per-attempt HTTP timeout (default 10 s). */
  deliveryTimeoutMs?: number;
  /** First retry delay; retry n waits base × 2^(n-1) (default 10 s: 10, 20, 40, 80, 160 s). */
  retryBaseMs?: number;
  /** Attempts per delivery before it fails (default 6). */
  maxAttempts?: number;
  /** Claim settle delay (default 150 ms embedded; raise it for replicated clusters). */
  claimSettleMs?: number;
  /** Run the anomaly detectors (default true). */
  detectors?: boolean;
  /** Sessions with spans ingested this long ago or less are checked by the detectors (default 15 min). */
  anomalyLookbackMs?: number;
  /** How long agents' baselines are reused between ticks (default 60 s). */
  baselineTtlMs?: number;
  /** Open review items for escalations and rules, and apply review SLAs (default true). */
  reviews?: boolean;
}

export interface AlertEngineDeps {
  store: Store;
  /** Epoch milliseconds; tests move time. Default Date.now. */
  clock?: () => number;
  /** Posts webhooks (default node:http(s) with the private-address rule). */
  send?: WebhookSender;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Identifies this engine in claims and the delivery log (default host:pid:random). */
  owner?: string;
}

export interface TickResult {
  fired: string[];
  attempts: number;
  spends: BudgetSpend[];
  /** Review items opened and expired this tick (absent with `reviews: false`). */
  reviews?: ReviewTickResult;
}

export interface AlertEngine {
  readonly owner: string;
  /** One evaluation: budgets, detectors, then due deliveries. Ticks never overlap. */
  runOnce(): Promise<TickResult>;
  /** Stops the timer and waits for a running tick. */
  stop(): Promise<void>;
}

const noopLog = { warn: () => undefined, error: () => undefined };

/** The threshold alerts a budget's current spend calls for (every crossed threshold, once per period). */
export function budgetDrafts(s: BudgetSpend): AlertDraft[] {
  const b = s.budget;
  return [...new Set(b.thresholds)]
    .filter((t) => s.percent >= t)
    .sort((x, y) => x - y)
    .map((t) => ({
      projectId: b.project_id,
      type: 'budget.threshold_crossed' as const,
      key: `budget:${b.id}:${new Date(s.period.start).toISOString()}:${t}`,
      message: `Budget "${b.name}" crossed ${t} %: $${s.spent.toFixed(2)} of $${b.limit_usd.toFixed(2)} this ${b.period}`,
      budgetId: b.id,
      budget: b,
      threshold: t,
      period: s.period,
      spentUsd: s.spent,
      limitUsd: b.limit_usd,
      percent: s.percent,
    }));
}

/** Builds an engine without starting its timer (tests call runOnce). */
export function createAlertEngine(config: AlertEngineConfig, deps: AlertEngineDeps): AlertEngine {
  return build(config, deps).engine;
}

function build(config: AlertEngineConfig, deps: AlertEngineDeps): { engine: AlertEngine; start: (lastStart?: number) => void } {
  const { store } = deps;
  const clock = deps.clock ?? Date.now;
  const log = deps.log ?? noopLog;
  const owner = deps.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const timeoutMs = config.deliveryTimeoutMs ?? 10_000;
  const delivery = {
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs,
    retryBaseMs: config.retryBaseMs ?? 10_000,
    maxAttempts: config.maxAttempts ?? 6,
    settleMs: config.claimSettleMs ?? 150,
    owner,
    send: deps.send ?? sendWebhook,
  };
  const baselineCache = new Map<string, { at: number; value: Map<string, AgentBaseline> }>();
  let chain: Promise<unknown> = Promise.resolve();

  async function tick(): Promise<TickResult> {
    const now = clock();
    const fired: string[] = [];
    const budgets = await listBudgets(store);
    const spends = budgets.length > 0 ? await budgetSpends(store, budgets, now) : [];
    fired.push(...(await fireAlerts(store, spends.flatMap(budgetDrafts), now)));
    let reviews: ReviewTickResult | undefined;
    if (config.reviews !== false) {
      const opts = { owner, settleMs: delivery.settleMs, lookbackMs: config.anomalyLookbackMs ?? 15 * 60_000, log };
      reviews = await reviewTick(store, opts, now);
      fired.push(...reviews.fired);
    }
    // Budget alerts go out before the detectors run: their latency is the one users feel.
    let attempts = await processDue(store, delivery, clock());
    if (config.detectors !== false) {
      const before = fired.length;
      for (const { project_id: projectId } of await listProjects(store)) {
        try {
          const settings = await loadDetectorSettings(store, projectId);
          const ttl = config.baselineTtlMs ?? 60_000;
          let cached = baselineCache.get(projectId);
          if (!cached || clock() - cached.at >= ttl || cached.at > clock()) {
            cached = { at: clock(), value: await agentBaselines(store, projectId, now, settings) };
            baselineCache.set(projectId, cached);
          }
          const drafts = await detectAnomalies(store, projectId, now, settings, {
            sinceMs: now - (config.anomalyLookbackMs ?? 15 * 60_000),
            baselines: cached.value,
          });
          fired.push(...(await fireAlerts(store, drafts, now)));
        } catch (err) {
          log.error({ err, projectId }, 'anomaly detectors failed');
        }
      }
      if (fired.length > before) attempts += await processDue(store, delivery, clock());
    }
    return { fired, attempts, spends, ...(reviews ? { reviews } : {}) };
  }

  const runOnce = (): Promise<TickResult> => {
    const next = chain.then(tick, tick);
    chain = next.catch(() => undefined);
    return next;
  };

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Fixed rate: a tick starts one interval after the previous one started (or at once when a
  // tick took longer than the interval), so time spent in a tick does not stretch the period.
  const schedule = (lastStart = Date.now()): void => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        const started = Date.now();
        runOnce().then(
          () => schedule(started),
          (err: unknown) => {
            log.warn({ err }, 'alert engine tick failed; retrying next interval');
            schedule(started);
          },
        );
      },
      Math.max(0, lastStart + config.alertIntervalMs - Date.now()),
    );
    timer.unref();
  };

  const engine: AlertEngine = {
    owner,
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
    },
  };
  return { engine, start: schedule };
}

/**
 * Starts the alert engine: a tick every `alertIntervalMs` (the first one right away). `cairn
 * start` runs it in-process; `cairn worker` runs it alone. Several engines may share a store:
 * alerts fire once (ids derived from what they are about) and each delivery attempt is claimed.
 */
export function startAlertEngine(config: AlertEngineConfig, deps: AlertEngineDeps): AlertEngine {
  const { engine, start } = build(config, deps);
  void engine.runOnce().catch((err: unknown) => (deps.log ?? noopLog).warn({ err }, 'alert engine tick failed'));
  start();
  return engine;
}
