import { diag } from '@opentelemetry/api';

/**
 * Client side of the hard stop (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops"): `GET {url}/api/guard?agent=&workflow=&user=` with the
 * ingest key. The answer (schemas `GuardResponse`): `{ allow, reasons: string[], budgets: [{ id,
 * hard_stop, percent, … }] }`.
 */
export interface GuardOptions {
  /** Base URL of the Cairn API (e.g. `http://localhost:4000`). */
  url: string;
  /** Key for the guard (defaults to the init `apiKey`). */
  apiKey?: string;
  /** How long one answer is reused, in ms (default 5000). */
  cacheMs?: number;
  /** Longest wait at session start, in ms (default 2000). */
  timeoutMs?: number;
  /** Let runs go when the guard cannot be reached (default true). */
  failOpen?: boolean;
  /** Injectable fetch (tests, proxies). */
  fetch?: typeof fetch;
}

interface GuardAnswer {
  allow?: unknown;
  reasons?: unknown;
  budgets?: unknown;
  /** Single-reason form (`reason`, `budget_id`), also understood. */
  reason?: unknown;
  budget_id?: unknown;
}

/** The first reason the server gives and the first spent hard-stop budget it lists. */
function denialOf(body: GuardAnswer): GuardDenial {
  const first = Array.isArray(body.reasons) ? (body.reasons[0] as unknown) : body.reason;
  const reason = typeof first === 'string' ? first : 'hard-stop budget spent';
  const spent = Array.isArray(body.budgets)
    ? (body.budgets as { id?: unknown; hard_stop?: unknown; percent?: unknown }[]).find(
        (b) => b.hard_stop === true && typeof b.percent === 'number' && b.percent >= 100,
      )?.id
    : body.budget_id;
  return typeof spent === 'string' ? { reason, budget: spent } : { reason };
}

export interface GuardScope {
  agent: string;
  workflow: string | undefined;
  user: string | undefined;
}

export interface GuardDenial {
  reason: string;
  budget?: string;
}

interface Entry {
  at: number;
  deny: GuardDenial | undefined;
  pending: Promise<GuardDenial | undefined> | undefined;
}

export class GuardClient {
  private readonly cache = new Map<string, Entry>();
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly failOpen: boolean;
  private readonly fetchFn: typeof fetch;

  constructor(
    private readonly opts: GuardOptions,
    private readonly apiKey: string | undefined,
  ) {
    this.cacheMs = opts.cacheMs ?? 5000;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.failOpen = opts.failOpen ?? true;
    this.fetchFn = opts.fetch ?? fetch;
  }

  private key(s: GuardScope): string {
    return `${s.agent}\u0000${s.workflow ?? ''}\u0000${s.user ?? ''}`;
  }

  /** Session start: waits for a fresh answer (bounded by `timeoutMs`). */
  async check(scope: GuardScope): Promise<GuardDenial | undefined> {
    const e = this.cache.get(this.key(scope));
    if (e && Date.now() - e.at < this.cacheMs) return e.deny;
    return this.refresh(scope);
  }

  /** Between steps: the last answer, never waiting; a stale one triggers a background refresh. */
  cached(scope: GuardScope): GuardDenial | undefined {
    const e = this.cache.get(this.key(scope));
    if (e === undefined || (Date.now() - e.at >= this.cacheMs && e.pending === undefined)) void this.refresh(scope);
    return e?.deny;
  }

  private refresh(scope: GuardScope): Promise<GuardDenial | undefined> {
    const key = this.key(scope);
    const entry: Entry = this.cache.get(key) ?? { at: 0, deny: undefined, pending: undefined };
    if (entry.pending) return entry.pending;
    const q = new URLSearchParams({ agent: scope.agent });
    if (scope.workflow) q.set('workflow', scope.workflow);
    if (scope.user) q.set('user', scope.user);
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    entry.pending = (async () => {
      try {
        const res = await this.fetchFn(`${this.opts.url.replace(/\/+$/, '')}/api/guard?${q}`, {
          headers,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (!res.ok) throw new Error(`guard answered ${res.status}`);
        const body = (await res.json()) as GuardAnswer;
        entry.deny = body.allow === false ? denialOf(body) : undefined;
      } catch (err) {
        diag.warn(`cairn: guard check failed (${this.failOpen ? 'allowing' : 'denying'} the run)`, err);
        entry.deny = this.failOpen ? undefined : { reason: 'guard unreachable' };
      }
      entry.at = Date.now();
      entry.pending = undefined;
      return entry.deny;
    })();
    this.cache.set(key, entry);
    return entry.pending;
  }
}
