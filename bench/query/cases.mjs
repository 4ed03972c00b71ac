// The requests bench/query measures, shared by run.mjs (latency) and explain.mjs (what each
// request reads in ClickHouse), so both always look at the same URLs.
export const PROJECT = 'bench';
export const BIG_ID = 'bench-big-session';
const DAY = 86_400_000;
const hex = (n, len) => n.toString(16).padStart(len, '0');

/** The id of the generator's n-th step of the big session (bigSessionRows in run.mjs). */
export const bigStepId = (n) => hex(0xb17000000 + n, 16);

/** [label, path] of every measured request; `now` is the corpus clock (the generator's NOW_MS). */
export function benchCases(now, bigSteps) {
  const from24h = new Date(now - DAY).toISOString();
  const from7d = new Date(now - 7 * DAY).toISOString();
  return [
    ['list: newest first (no filter)', '/api/sessions?limit=50'],
    ['list: agent=coder, sort=cost', '/api/sessions?agent=coder&sort=cost&limit=50'],
    ['list: last 24 h, status=error, sort=duration', `/api/sessions?from=${from24h}&status=error&sort=duration&limit=50`],
    ['list: has_escalation, min_steps=100, sort=steps', '/api/sessions?has_escalation=true&min_steps=100&sort=steps&limit=50'],
    ['list: user + cost range, sort=cost asc', '/api/sessions?user=user-42&min_cost=0.1&max_cost=2&sort=cost&order=asc&limit=50'],
    ['list: id text match q=00abc', '/api/sessions?q=00abc&limit=50'],
    [`replay: ${bigSteps.toLocaleString('en')}-step session`, `/api/sessions/${BIG_ID}`],
    ['step payloads + previous snapshot', `/api/sessions/${BIG_ID}/steps/${bigStepId(Math.floor(bigSteps / 2))}`],
    ['costs: 7 days hourly by agent', `/api/costs?from=${from7d}&bucket=hour&group_by=agent`],
  ];
}

/** Extra replay requests explain.mjs looks at: a small first page and the summary alone. */
export function replayPageCases() {
  return [
    ['replay: first 500 steps', `/api/sessions/${BIG_ID}?steps_limit=500`],
    ['replay: summary only (steps_limit=0)', `/api/sessions/${BIG_ID}?steps_limit=0`],
  ];
}
