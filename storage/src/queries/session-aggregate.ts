/**
 * The per-session aggregates over `sessions_rollup`, defined once: the session list's ranking
 * (phase 1, only the aliases its filters and sort use) and its summaries (phase 2, all of them)
 * both read these expressions, and so do the alert engine's detectors (alerts/detectors.ts). Aliases differ
 * from the rollup's column names on purpose: a HAVING clause must see the aggregate, not the
 * column, and `agent_name` is an aggregate state column.
 */
export const SESSION_AGGREGATES = {
  s_agent: 'argMinMerge(agent_name)',
  s_workflow: 'max(workflow)',
  s_user: 'max(user_id)',
  s_service: 'max(service_name)',
  s_autonomy: 'max(autonomy_level)',
  s_start_ns: 'toUnixTimestamp64Nano(min(start_time))',
  s_end_ns: 'toUnixTimestamp64Nano(max(end_time))',
  // `running` until a trace root (no parent) has arrived; `error` when that root failed.
  s_status: "multiIf(max(has_root) = 0, 'running', max(root_error) = 1, 'error', 'ok')",
  s_steps: 'sum(spans)',
  s_llm_calls: 'sum(llm_calls)',
  s_tool_calls: 'sum(tool_calls)',
  s_input_tokens: 'sum(input_tokens)',
  s_output_tokens: 'sum(output_tokens)',
  s_cache_read_tokens: 'sum(cache_read_tokens)',
  s_reasoning_tokens: 'sum(reasoning_tokens)',
  // Rounded to 1e-10 USD: float sums otherwise show noise like 0.014419000000000001.
  s_cost: 'round(sum(cost_usd), 10)',
  s_min_confidence: 'min(min_confidence)',
  s_escalations: 'sum(escalations)',
  s_errors: 'sum(errors)',
  s_limit_hits: 'sum(limit_hits)',
  s_snapshots: 'sum(snapshots)',
} as const;

export type SessionAggregate = keyof typeof SESSION_AGGREGATES;

/** `expr AS alias, …` for the given aggregates (all of them by default), for a GROUP BY session_id. */
export function sessionAggregateColumns(
  aliases: readonly SessionAggregate[] = Object.keys(SESSION_AGGREGATES) as SessionAggregate[],
): string {
  return aliases.map((a) => `${SESSION_AGGREGATES[a]} AS ${a}`).join(', ');
}
