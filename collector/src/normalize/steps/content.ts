import { hash } from 'node:crypto';
import { ATTR, FOREIGN_ATTR } from '@cairn/schemas';
import { MAX_PAYLOAD_CHARS, capText, takeString } from '../attr-values.js';
import { toolFromSpanName } from '../conventions-names.js';
import { chatInput, chatOutput, lookupPayload, toolPayload } from '../payload.js';
import type { Extraction } from './extraction.js';

const TOOL_NAME_KEYS = [ATTR.TOOL_NAME, FOREIGN_ATTR.OI_TOOL_NAME, FOREIGN_ATTR.AI_TOOLCALL_NAME];

/** sha1 of tool name + canonical arguments, first 16 hex characters: equal calls, equal key. */
export function toolCallKey(toolName: string, canonicalArgs: string): string {
  // One-shot hash: a createHash object per tool span cost as much as the hashing itself.
  return hash('sha1', toolName + '\u0000' + canonicalArgs, 'hex').slice(0, 16);
}

/**
 * Content: `input` / `output` by kind (payload.ts — tool arguments and result, a lookup's query
 * and documents, else the chat messages in canonical form), the tool name and the retry-loop key.
 */
export function contentStep(x: Extraction): void {
  const { a, row, span: s, consumed } = x;
  const kind = row.kind;
  let input: string;
  let output: string;
  if (kind === 'tool') {
    const toolName = takeString(a, TOOL_NAME_KEYS, consumed.used) || toolFromSpanName(s.name, a, kind);
    const tp = toolPayload(a, consumed);
    input = tp.input;
    output = tp.output;
    row.tool_name = toolName;
    if (toolName !== '') row.tool_call_key = toolCallKey(toolName, tp.canonicalArgs);
  } else if (kind === 'retrieval' || kind === 'memory') {
    const lp = lookupPayload(a, kind === 'memory', consumed);
    input = lp.input || chatInput(a, s.events, consumed);
    output = lp.output || chatOutput(a, s.events, consumed);
  } else {
    input = chatInput(a, s.events, consumed);
    output = chatOutput(a, s.events, consumed);
  }
  row.input = capText(input, MAX_PAYLOAD_CHARS);
  row.output = capText(output, MAX_PAYLOAD_CHARS);
}
