import type { PartTable } from './part-kind.js';

/**
 * OpenAI's Responses API items (`input_text` / `output_text`, `function_call { call_id, name,
 * arguments }`, `function_call_output { call_id, output }`). Chat Completions messages carry
 * `tool_calls` on the message itself, read by messages.ts.
 */
export const OPENAI_PARTS: PartTable = {
  input_text: 'text',
  output_text: 'text',
  function_call: 'tool_call',
  function_call_output: 'tool_result',
};
