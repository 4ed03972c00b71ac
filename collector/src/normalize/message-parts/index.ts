import { ANTHROPIC_PARTS } from './anthropic.js';
import { GENAI_PARTS } from './genai.js';
import { OPENAI_PARTS } from './openai.js';
import type { PartKind, PartTable } from './part-kind.js';
import { VERCEL_PARTS } from './vercel.js';

export type { PartKind, PartTable } from './part-kind.js';

/**
 * Every known part `type` → its kind. A new vendor (or a new part type) is one table here, in
 * its own file; two vendors naming a type alike must agree on its kind (checked at load).
 */
const TABLES: readonly (readonly [string, PartTable])[] = [
  ['genai', GENAI_PARTS],
  ['openai', OPENAI_PARTS],
  ['anthropic', ANTHROPIC_PARTS],
  ['vercel', VERCEL_PARTS],
];

function merge(): ReadonlyMap<string, PartKind> {
  const out = new Map<string, PartKind>();
  for (const [vendor, table] of TABLES) {
    for (const type of Object.keys(table)) {
      const kind = table[type] as PartKind;
      const had = out.get(type);
      if (had !== undefined && had !== kind)
        throw new Error(`part type "${type}": ${vendor} says ${kind}, another vendor ${had}`);
      out.set(type, kind);
    }
  }
  return out;
}

export const PART_KINDS: ReadonlyMap<string, PartKind> = merge();
