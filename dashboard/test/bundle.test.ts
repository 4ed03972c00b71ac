import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The browser bundle takes the price lookup from `@cairn/schemas/conventions` and never the
 * typebox API schemas (they would add their run time and every schema description to the
 * download). Checked on the built chunks, as served: `npm test` builds before it runs.
 */
const ASSETS = fileURLToPath(new URL('../dist/assets/', import.meta.url));

function chunks(): Map<string, string> {
  if (!existsSync(ASSETS)) throw new Error(`no ${ASSETS}: run \`npm run build\` first`);
  const out = new Map<string, string>();
  for (const f of readdirSync(ASSETS)) if (f.endsWith('.js')) out.set(f, readFileSync(ASSETS + f, 'utf8'));
  return out;
}

describe('dashboard bundle', () => {
  it('carries the shared model-id lookup and no typebox', () => {
    const js = chunks();
    expect(js.size).toBeGreaterThan(0);
    const having = (s: string): string[] => [...js].filter(([, code]) => code.includes(s)).map(([f]) => f);
    // The Bedrock prefix rule of normalizeModelId: the collector's lookup, not a copy without it.
    expect(having('anthropic|meta|mistral|amazon|cohere')).toHaveLength(1);
    // typebox marks every schema it builds with `~kind`; the API schemas carry descriptions.
    expect(having('~kind')).toEqual([]);
    expect(having('A readable name of the model family')).toEqual([]);
    // The price table is read from GET /api/prices, not shipped in the bundle.
    expect(having('gpt-5-nano')).toEqual([]);
  });
});
