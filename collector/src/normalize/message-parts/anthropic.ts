import type { PartTable } from './part-kind.js';

/** Anthropic Messages content blocks (`thinking`, `tool_use { id, name, input }`, `tool_result { tool_use_id, content }`). */
export const ANTHROPIC_PARTS: PartTable = {
  text: 'text',
  thinking: 'reasoning',
  tool_use: 'tool_call',
  tool_result: 'tool_result',
};
