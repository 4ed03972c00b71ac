import { randomUUID } from 'node:crypto';
import type { Budget, BudgetPeriod, BudgetScope } from '@cairn/schemas';
import type { Store } from '../store.js';
import { chTime } from '../queries/time.js';
import { nextRecord, versionedTable } from '../versioned-table.js';
import { isoOfCh } from './versions.js';

/** Budgets in their ReplacingMergeTree table (a change is a new version). */

export interface BudgetRecord extends Budget {
  project_id: string;
}

interface BudgetRow {
  project_id: string;
  budget_id: string;
  name: string;
  scope_agent: string;
  scope_workflow: string;
  scope_user: string;
  scope_model: string;
  period: string;
  timezone: string;
  limit_usd: number;
  thresholds: number[];
  webhook_ids: string[];
  hard_stop: number;
  created_at: string;
  updated_at: string;
}

const BUDGET_COLUMNS = `project_id, budget_id, name, scope_agent, scope_workflow, scope_user, scope_model, period, timezone,
  limit_usd, thresholds, webhook_ids, hard_stop, toString(created_at) AS created_at, toString(updated_at) AS updated_at`;

function toBudget(r: BudgetRow): BudgetRecord {
  const scope: BudgetScope = {};
  if (r.scope_agent !== '') scope.agent = r.scope_agent;
  if (r.scope_workflow !== '') scope.workflow = r.scope_workflow;
  if (r.scope_user !== '') scope.user = r.scope_user;
  if (r.scope_model !== '') scope.model = r.scope_model;
  return {
    project_id: r.project_id,
    id: r.budget_id,
    name: r.name,
    scope,
    period: r.period as BudgetPeriod,
    timezone: r.timezone || 'UTC',
    limit_usd: Number(r.limit_usd),
    thresholds: r.thresholds.map(Number),
    webhook_ids: r.webhook_ids,
    hard_stop: Number(r.hard_stop) === 1,
    created_at: isoOfCh(r.created_at),
    updated_at: isoOfCh(r.updated_at),
  };
}

const budgets = versionedTable<BudgetRow, BudgetRecord>({
  table: 'budgets',
  key: 'budget_id',
  columns: BUDGET_COLUMNS,
  fromRow: toBudget,
  toRow: (b) => ({
    project_id: b.project_id,
    budget_id: b.id,
    name: b.name,
    scope_agent: b.scope.agent ?? '',
    scope_workflow: b.scope.workflow ?? '',
    scope_user: b.scope.user ?? '',
    scope_model: b.scope.model ?? '',
    period: b.period,
    timezone: b.timezone,
    limit_usd: b.limit_usd,
    thresholds: b.thresholds,
    webhook_ids: b.webhook_ids,
    hard_stop: b.hard_stop ? 1 : 0,
    created_at: chTime(Date.parse(b.created_at)),
    updated_at: chTime(Date.parse(b.updated_at)),
  }),
});

/** Budgets of one project, or of every project when projectId is undefined (the engine). */
export const listBudgets = (store: Store, projectId?: string): Promise<BudgetRecord[]> => budgets.list(store, projectId);

export const getBudget = (store: Store, projectId: string, id: string): Promise<BudgetRecord | undefined> =>
  budgets.get(store, projectId, id);

/** Writes a budget (new or changed) as a new version; returns it as written. */
export async function saveBudget(
  store: Store,
  b: Omit<BudgetRecord, 'id' | 'created_at' | 'updated_at'> & { id?: string; created_at?: string },
): Promise<BudgetRecord> {
  const rec: BudgetRecord = nextRecord(b, randomUUID);
  await budgets.save(store, rec);
  return rec;
}

/** Deletes a budget: a new version of it, flagged deleted. */
export async function deleteBudget(store: Store, b: BudgetRecord): Promise<void> {
  await budgets.delete(store, { ...b, updated_at: new Date().toISOString() });
}

export function publicBudget(b: BudgetRecord): Budget {
  const { project_id: _p, ...rest } = b;
  return rest;
}
