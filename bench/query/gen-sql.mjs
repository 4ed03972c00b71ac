#!/usr/bin/env node
// A bench/query corpus of the same shape as run.mjs's generator (same session ids, agents,
// users, workflows, step mix, payloads, the 10,000-step multi-agent session), written by
// ClickHouse itself with INSERT … SELECT from numbers(): no JSON on our side, so it takes a
// fraction of the CPU — what makes a 10M-span corpus practical on a loaded 2-core machine. The
// random draws are hashes (cityHash64 of the session and step numbers), not run.mjs's seeded
// generator, so the figures match in distribution, not row for row. Then:
//   node bench/query/run.mjs --dir PATH --reuse …   and   node bench/query/explain.mjs --dir PATH
// Usage (after `npm run build`):
//   node bench/query/gen-sql.mjs --dir PATH [--sessions 100000] [--spans-per-session 100] [--big-steps 10000]
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createKey, ensureProject, openStore } from '../../storage/dist/index.js';
import { rawSql } from '../../storage/dist/testing.js';
import { BIG_ID, PROJECT } from './cases.mjs';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    sessions: { type: 'string', default: '100000' },
    'spans-per-session': { type: 'string', default: '100' },
    'big-steps': { type: 'string', default: '10000' },
    chunk: { type: 'string', default: '10000' },
  },
});
if (!values.dir) throw new Error('--dir PATH');
if (existsSync(join(values.dir, '.bench-key'))) throw new Error(`${values.dir} already holds a corpus`);
const SESSIONS = Number(values.sessions);
const PER_SESSION = Number(values['spans-per-session']);
const BIG_STEPS = Number(values['big-steps']);
const CHUNK = Number(values.chunk);
const NOW_MS = Date.now();
const DAY = 86_400_000;

const COLUMNS = `project_id, session_id, trace_id, span_id, parent_span_id, name, kind, agent_name, workflow, user_id,
  service_name, autonomy_level, start_time, end_time, duration_ns, status, status_message, model, provider,
  input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source,
  confidence, tool_name, tool_call_key, input, output, state, has_escalation, has_limit_hit, attributes,
  resource_attributes, events`;
const PROMPT = JSON.stringify([
  { role: 'user', parts: [{ type: 'text', content: 'Summarise the ticket and propose the next action for the customer.' }] },
]);
const ANSWER = JSON.stringify([
  {
    role: 'assistant',
    parts: [{ type: 'text', content: 'The customer asks for a refund of invoice 42; next: verify payment.' }],
  },
]);
const hex16 = (e) => `leftPad(lower(hex(toUInt64(${e}))), 16, '0')`;
const u = (...args) => `(cityHash64(${args.join(', ')}) % 1000000) / 1e6`;

// k = 0 is the root `session` span (absent in 5 % of sessions: still running), k ≥ 1 the steps.
const SESSIONS_SQL = `
INSERT INTO spans (${COLUMNS})
SELECT 'bench', sid, trace, ${hex16('i * 4096 + 1 + k')}, if(root, '', ${hex16('i * 4096 + 1')}),
  if(root, 'session', multiIf(kind = 'llm', 'chat', kind = 'tool', 'execute_tool', kind)), kind,
  if(root OR ${u('i', 'k', 12)} >= 0.3, agent, agents[1 + cityHash64(i, k, 13) % 8]), workflow, user, 'bench', '',
  fromUnixTimestamp64Nano(toInt64(t) * 1000000, 'UTC'), fromUnixTimestamp64Nano(toInt64(e) * 1000000, 'UTC'),
  toUInt64((e - t) * 1000000), if(err, 'error', 'ok'), if(err, 'tool failed', ''),
  if(llm, ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.5-pro'][1 + cityHash64(i, k, 15) % 4], ''), '',
  if(llm, cityHash64(i, k, 16) % 4000, 0), if(llm, cityHash64(i, k, 17) % 800, 0), 0, 0, 0, cost,
  if(cost > 0, 'computed', 'none'), if(llm AND ${u('i', 'k', 18)} < 0.3, round((cityHash64(i, k, 19) % 100) / 100, 2), NULL),
  if(kind = 'tool', ['search', 'fetch', 'sql', 'python', 'email'][1 + cityHash64(i, k, 20) % 5], ''), '',
  multiIf(llm, {prompt:String}, kind = 'tool', '{"q":"refund policy"}', ''),
  multiIf(llm, {answer:String}, kind = 'tool', '{"hits":3}', ''),
  if(NOT root AND ${u('i', 'k', 21)} < 0.05, concat('{"step":', toString(k - 1), ',"plan":["verify","refund"],"done":false}'), ''),
  kind = 'escalation', 0, '{}', '{}', '[]'
FROM (
  SELECT *, k, k = 0 AS root, ${u('i', 'k', 10)} AS roll,
    if(root, 'session', multiIf(roll < 0.45, 'llm', roll < 0.8, 'tool', roll < 0.97, 'step', 'escalation')) AS kind,
    kind = 'llm' AS llm,
    if(root, start_ms, start_ms + offs[k]) AS t,
    if(root, start_ms + offs[-1] + 3002, t + 1 + cityHash64(i, k, 11) % 3000) AS e,
    if(root, root_err, kind = 'tool' AND ${u('i', 'k', 14)} < 0.02) AS err,
    if(llm, (cityHash64(i, k, 17) % 20000) / 1e6, 0) AS cost
  FROM (
    SELECT number AS i,
      concat('s-', leftPad(lower(hex(toUInt32(i))), 7, '0'), '-', leftPad(lower(hex(toUInt16(cityHash64(i, 2) % 65536))), 4, '0')) AS sid,
      concat(${hex16('i + 1')}, repeat('b', 16)) AS trace,
      {now:Int64} - toInt64(cityHash64(i, 3) % {span:UInt64}) AS start_ms,
      ['planner', 'researcher', 'coder', 'reviewer', 'support-bot', 'triager', 'writer', 'analyst'] AS agents,
      agents[1 + cityHash64(i, 4) % 8] AS agent,
      concat('wf-', toString(cityHash64(i, 5) % 6)) AS workflow,
      concat('user-', toString(cityHash64(i, 6) % 2000)) AS user,
      greatest(2, toUInt32(round({per:Float64} * (0.2 + 1.6 * ${u('i', 1)})))) AS steps,
      arrayCumSum(arrayMap(s -> 1 + cityHash64(i, s, 9) % 800, range(steps - 1))) AS offs,
      ${u('i', 7)} < 0.05 AS running,
      ${u('i', 8)} < 0.05 AS root_err
    FROM numbers({lo:UInt64}, {n:UInt64})
  )
  ARRAY JOIN arrayConcat(if(running, [], [0]), arrayMap(s -> toUInt64(s + 1), range(steps - 1))) AS k
)`;

// The orchestrator, four sub-agents, and their alternating chat / tool steps (run.mjs bigSessionRows).
const BIG_SQL = `
INSERT INTO spans (${COLUMNS})
SELECT 'bench', {big:String}, repeat('c', 32), span, parent, name, kind, agent, 'deep-research', 'user-big', 'bench', '',
  fromUnixTimestamp64Nano(toInt64(t) * 1000000, 'UTC'), fromUnixTimestamp64Nano(toInt64(e) * 1000000, 'UTC'),
  toUInt64((e - t) * 1000000), 'ok', '', if(llm, 'gpt-4o', ''), '', if(llm, 1200, 0), if(llm, 300, 0), 0, 0, 0,
  if(llm, 0.004, 0), if(llm, 'computed', 'none'), if(llm, round((cityHash64(n, 1) % 100) / 100, 2), NULL),
  if(kind = 'tool', ['search', 'fetch', 'sql', 'python', 'email'][1 + cityHash64(n, 2) % 5], ''), '',
  multiIf(llm, {prompt:String}, kind = 'tool', '{"q":"x"}', ''), multiIf(llm, {answer:String}, kind = 'tool', '{"ok":true}', ''),
  if(n >= 0 AND n % 50 = 0, concat('{"n":', toString(n), ',"notes":["a","b"]}'), ''), 0, 0, '{}', '{}', '[]'
FROM (
  SELECT toInt64(number) - 5 AS n, {start:Int64} AS s0, ['data-miner', 'analyzer', 'writer', 'critic'] AS subs,
    multiIf(n = -5, 'session', n < 0, 'agent', n % 2 = 0, 'llm', 'tool') AS kind, kind = 'llm' AS llm,
    multiIf(n = -5, 'orchestrator', n < 0, subs[n + 5], subs[1 + n % 4]) AS agent,
    multiIf(n = -5, 'invoke_agent orchestrator', n < 0, concat('invoke_agent ', agent), llm, 'chat', 'execute_tool') AS name,
    multiIf(n = -5, ${hex16('0xb16000000')}, n < 0, ${hex16('0xb16000000 + n + 5')}, ${hex16('0xb17000000 + n')}) AS span,
    multiIf(n = -5, '', n < 0, ${hex16('0xb16000000')}, ${hex16('0xb16000001 + n % 4')}) AS parent,
    multiIf(n = -5, s0, n < 0, s0 + 10, s0 + 20 + intDiv(n, 4) * 1100 + cityHash64(n, 3) % 300) AS t,
    multiIf(n = -5, s0 + 3000000, n < 0, s0 + 2900000, t + 200 + cityHash64(n, 4) % 700) AS e
  FROM numbers({steps:UInt64})
)`;

const store = await openStore({ dataDir: values.dir });
await ensureProject(store, PROJECT, 'Bench');
const { key } = await createKey(store, { projectId: PROJECT, kind: 'admin', name: 'bench' });
const t0 = performance.now();
const common = { now: NOW_MS, span: 30 * DAY, per: PER_SESSION, prompt: PROMPT, answer: ANSWER };
for (let lo = 0; lo < SESSIONS; lo += CHUNK) {
  await rawSql(store).command(SESSIONS_SQL, { ...common, lo, n: Math.min(CHUNK, SESSIONS - lo) });
  process.stdout.write(`\r  ${Math.min(lo + CHUNK, SESSIONS)} sessions, ${((performance.now() - t0) / 1000).toFixed(0)} s   `);
}
await rawSql(store).command(BIG_SQL, {
  big: BIG_ID,
  start: NOW_MS - 3_600_000,
  steps: BIG_STEPS,
  prompt: PROMPT,
  answer: ANSWER,
});
const [{ spans }] = await rawSql(store).query(`SELECT count() AS spans FROM spans WHERE project_id = {p:String}`, { p: PROJECT });
const s = (performance.now() - t0) / 1000;
const gen = `${Number(spans).toLocaleString('en')} spans generated in ${s.toFixed(0)} s by bench/query/gen-sql.mjs (INSERT … SELECT in ClickHouse, both rollup views)`;
console.log(`\n  ${gen}`);
writeFileSync(join(values.dir, '.bench-gen'), gen);
writeFileSync(join(values.dir, '.bench-key'), key);
await store.close();
