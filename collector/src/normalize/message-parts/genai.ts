import type { PartTable } from './part-kind.js';

/**
 * OpenTelemetry GenAI `gen_ai.input.messages` / `gen_ai.output.messages` parts
 * (`{ type: 'text', content }`, `tool_call { id, name, arguments }`, `tool_call_response { id, response }`);
 * Gemini's instrumentations emit this shape too.
 */
export const GENAI_PARTS: PartTable = {
  text: 'text',
  reasoning: 'reasoning',
  tool_call: 'tool_call',
  tool_call_response: 'tool_result',
};
