import type { PartTable } from './part-kind.js';

/**
 * Vercel AI SDK message parts (`tool-call { toolCallId, toolName, args | input }`,
 * `tool-result { toolCallId, result | output }`, v5's `{ type: 'text' | 'json', value }` envelope
 * unwrapped by messages.ts).
 */
export const VERCEL_PARTS: PartTable = {
  text: 'text',
  reasoning: 'reasoning',
  'tool-call': 'tool_call',
  'tool-result': 'tool_result',
};
