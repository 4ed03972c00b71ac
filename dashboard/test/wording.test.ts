import { describe, expect, it } from 'vitest';
import { columnMoney, moneyAxisWidth, moneyTick, plural, stepTicks, usageUnreported } from '../src/lib/wording';

describe('dashboard wording', () => {
  it('pluralizes counts', () => {
    expect(plural(1, 'cap hit')).toBe('1 cap hit');
    expect(plural(2, 'cap hit')).toBe('2 cap hits');
    expect(plural(0, 'error')).toBe('0 errors');
  });

  it('shortens money axis labels and sizes the axis for the longest one', () => {
    expect(moneyTick(0.00008)).toBe('$0.00008');
    expect(moneyTick(0)).toBe('$0');
    expect(moneyTick(1.5)).toBe('$1.5');
    expect(moneyAxisWidth([0.00008])).toBeGreaterThanOrEqual('$0.00008'.length * 7);
  });

  it('puts step ticks on whole steps only', () => {
    expect(stepTicks(4)).toEqual([0, 1, 2, 3]);
    expect(stepTicks(1)).toEqual([0]);
    const many = stepTicks(1000);
    expect(many.length).toBeLessThanOrEqual(9);
    expect(many.every((t) => Number.isInteger(t))).toBe(true);
    expect(many[many.length - 1]).toBe(999);
  });

  it('formats a cost column with one precision', () => {
    const f = columnMoney([0.0004, 0.000412, 0.0123, 1.5]);
    const shown = [0.0004, 0.000412, 0.0123, 1.5].map(f);
    const decimals = new Set(shown.map((s) => s.split('.')[1]?.length));
    expect(decimals.size).toBe(1);
    expect(shown).toEqual(['$0.000400', '$0.000412', '$0.012300', '$1.500000']);
    expect(f(0)).toBe('$0');
  });

  it('recognises an LLM step without reported usage', () => {
    expect(usageUnreported({ kind: 'llm', input_tokens: 0, output_tokens: 0, cost_usd: 0 })).toBe(true);
    expect(usageUnreported({ kind: 'llm', input_tokens: 5, output_tokens: 0, cost_usd: 0 })).toBe(false);
    expect(usageUnreported({ kind: 'tool', input_tokens: 0, output_tokens: 0, cost_usd: 0 })).toBe(false);
  });
});

describe('recorded payloads as people read them', () => {
  it('shows a JSON-encoded string as its text and indents JSON content', async () => {
    const { pretty, prettyContent } = await import('../src/pages/replay/messages');
    expect(pretty(JSON.stringify('Where is my order?\nOrder 42'))).toBe('Where is my order?\nOrder 42');
    expect(pretty('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(pretty('not json')).toBe('not json');
    expect(prettyContent('{"temp":24}')).toBe('{\n  "temp": 24\n}');
    expect(prettyContent('Sunny, 24°C.')).toBe('Sunny, 24°C.');
    expect(prettyContent('42')).toBe('42');
  });
});
