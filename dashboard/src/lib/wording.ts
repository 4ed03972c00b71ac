import { money } from './format';

/** `1 cap hit`, `2 cap hits`. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** A money axis label: {@link money} without trailing zeros ($0.0000800 → $0.00008), so ticks stay short. */
export function moneyTick(usd: number): string {
  const s = money(usd);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Pixel width a money axis needs for its longest tick label (11 px tabular figures). */
export function moneyAxisWidth(ticks: readonly number[]): number {
  const longest = ticks.reduce((m, v) => Math.max(m, moneyTick(v).length), 2);
  return Math.max(40, Math.ceil(longest * 7 + 10));
}

/** Ticks for a step axis of `n` steps: whole steps only (a 4-step session has no step 1.75). */
export function stepTicks(n: number, max = 8): number[] {
  const last = Math.max(0, n - 1);
  const every = Math.max(1, Math.ceil((last + 1) / max));
  const out: number[] = [];
  for (let i = 0; i <= last; i += every) out.push(i);
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

/**
 * An LLM step that reported no token counts (e.g. a streamed OpenAI completion instrumented by
 * OpenInference without `stream_options.include_usage`): its cost is unknown, not $0. The
 * collector marks such spans `cairn.usage.reported = false`; the step list carries no
 * attributes, so it is recognised from its columns.
 */
export function usageUnreported(step: { kind: string; input_tokens: number; output_tokens: number; cost_usd: number }): boolean {
  return step.kind === 'llm' && step.input_tokens === 0 && step.output_tokens === 0 && step.cost_usd === 0;
}

/**
 * One money format for a whole column: as many decimals as its smallest non-zero value needs
 * (at most 6), so the figures line up and $0.0004 never sits above $0.000412.
 */
export function columnMoney(values: readonly number[]): (usd: number) => string {
  let digits = 2;
  for (const v of values) {
    if (!(v > 0) || v >= 1) continue;
    const shown = money(v);
    const dot = shown.indexOf('.');
    if (dot >= 0) digits = Math.max(digits, shown.length - dot - 1);
  }
  digits = Math.min(6, digits);
  return (usd) => (Number.isFinite(usd) ? (usd === 0 ? '$0' : `$${usd.toFixed(digits)}`) : '—');
}
