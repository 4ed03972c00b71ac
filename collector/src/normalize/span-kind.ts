import { ATTR, FOREIGN_ATTR, GENAI_OPERATION, SPAN_KINDS } from '@cairn/schemas';
import type { SpanKind } from '@cairn/schemas';
import type { Attributes, DecodedEvent } from '../otlp/decoded.js';
import { TOKEN_HINT_KEYS } from './cost.js';

/*
 * The canonical kind, from the strongest hint to the weakest:
 * 1. `cairn.span.kind` (the Cairn SDK says exactly what it means);
 * 2. `gen_ai.operation.name` (semantic-conventions-genai): chat / text_completion /
 *    generate_content / embeddings → llm, execute_tool → tool, invoke_agent / create_agent →
 *    agent, invoke_workflow → session at the root (the workflow is the run) and agent below it
 *    (an orchestrating span: like an agent it never repeats its children's cost), plan → step,
 *    retrieval → retrieval, apply_guardrail → guardrail, the memory operations
 *    (create_memory_store, delete_memory_store, search_memory, create_memory, update_memory,
 *    upsert_memory, delete_memory) → memory;
 * 2b. an MCP span (`mcp.method.name`) without an operation name: `tools/call` → tool (the MCP
 *    conventions make tool calls compatible with execute_tool spans), any other method → other;
 * 3. `openinference.span.kind`: LLM / EMBEDDING → llm, TOOL → tool, AGENT → agent,
 *    RETRIEVER / RERANKER → retrieval, GUARDRAIL → guardrail, EVALUATOR → other,
 *    CHAIN → step, at the root too: LangChain wraps each invocation in a CHAIN, and a
 *    conversation's session spans many of them, so a CHAIN is a step of it, never the session;
 * 4. Vercel AI SDK operation (`ai.operationId`, else the span name): `*.doGenerate`,
 *    `*.doStream`, `*.doEmbed` → llm (the actual provider call), `ai.toolCall` → tool,
 *    `ai.generateText` / `ai.streamText` → agent (they drive the multi-step tool loop and
 *    repeat their children's usage), `ai.generateObject` / `ai.streamObject` / `ai.embed` /
 *    `ai.embedMany` → other;
 * 5. content: a model plus token counts (or OpenLLMetry's `llm.request.type`) → llm; a tool name → tool;
 *    a `gen_ai.guardrail.result` event → guardrail (in-process guardrails, e.g. OpenAI Agents',
 *    may put the event on another operation's span: an explicit operation above wins);
 * 6. a root span with a session / conversation id and none of the hints above → session;
 * 7. otherwise other.
 */

const KINDS = new Set<string>(SPAN_KINDS);

const OPERATION_KINDS: Record<string, SpanKind> = {
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  embeddings: 'llm',
  execute_tool: 'tool',
  invoke_agent: 'agent',
  create_agent: 'agent',
  invoke_workflow: 'agent',
  plan: 'step',
  retrieval: 'retrieval',
  apply_guardrail: 'guardrail',
  create_memory_store: 'memory',
  delete_memory_store: 'memory',
  search_memory: 'memory',
  create_memory: 'memory',
  update_memory: 'memory',
  upsert_memory: 'memory',
  delete_memory: 'memory',
};

const MCP_TOOLS_CALL = 'tools/call';

const OPENINFERENCE_KINDS: Record<string, SpanKind> = {
  LLM: 'llm',
  EMBEDDING: 'llm',
  TOOL: 'tool',
  AGENT: 'agent',
  CHAIN: 'step',
  RETRIEVER: 'retrieval',
  RERANKER: 'retrieval',
  GUARDRAIL: 'guardrail',
  EVALUATOR: 'other',
};

const VERCEL_KINDS: Record<string, SpanKind> = {
  'ai.toolCall': 'tool',
  'ai.generateText': 'agent',
  'ai.streamText': 'agent',
  'ai.generateObject': 'other',
  'ai.streamObject': 'other',
  'ai.embed': 'other',
  'ai.embedMany': 'other',
};

const MODEL_HINT_KEYS = [ATTR.REQUEST_MODEL, ATTR.RESPONSE_MODEL, FOREIGN_ATTR.OI_MODEL_NAME, FOREIGN_ATTR.AI_MODEL_ID];
const TOOL_HINT_KEYS = [ATTR.TOOL_NAME, FOREIGN_ATTR.OI_TOOL_NAME, FOREIGN_ATTR.AI_TOOLCALL_NAME];

function own<T>(table: Record<string, T>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

function vercelKind(op: string): SpanKind | undefined {
  if (op.charCodeAt(0) !== 97 /* a */ || !op.startsWith('ai.')) return undefined;
  if (op.endsWith('.doGenerate') || op.endsWith('.doStream') || op.endsWith('.doEmbed')) return 'llm';
  return own(VERCEL_KINDS, op);
}

function hasAny(a: Attributes, keys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) if (a[keys[i] as string] !== undefined) return true;
  return false;
}

function hasEvent(events: readonly DecodedEvent[], name: string): boolean {
  for (let i = 0; i < events.length; i++) if ((events[i] as DecodedEvent).name === name) return true;
  return false;
}

/** The canonical kind of a span; `cairn.span.kind` is recorded in `used` when it decides. */
export function inferKind(
  name: string,
  a: Attributes,
  events: readonly DecodedEvent[],
  isRoot: boolean,
  hasSession: boolean,
  used: string[],
): SpanKind {
  const cairn = a[ATTR.CAIRN_SPAN_KIND];
  if (typeof cairn === 'string' && KINDS.has(cairn)) {
    used.push(ATTR.CAIRN_SPAN_KIND);
    return cairn as SpanKind;
  }
  const opName = a[ATTR.OPERATION_NAME];
  const op = own(OPERATION_KINDS, opName);
  if (op !== undefined) return op === 'agent' && isRoot && opName === GENAI_OPERATION.INVOKE_WORKFLOW ? 'session' : op;
  const mcp = a[ATTR.MCP_METHOD_NAME];
  if (typeof mcp === 'string') return mcp === MCP_TOOLS_CALL ? 'tool' : 'other';
  const oiRaw = a[FOREIGN_ATTR.OI_SPAN_KIND];
  if (typeof oiRaw === 'string') {
    const oi = own(OPENINFERENCE_KINDS, oiRaw.toUpperCase());
    if (oi !== undefined) return oi;
  }
  const opId = a[FOREIGN_ATTR.AI_OPERATION_ID];
  const v = vercelKind(typeof opId === 'string' ? opId : name);
  if (v !== undefined) return v;
  if ((hasAny(a, MODEL_HINT_KEYS) && hasAny(a, TOKEN_HINT_KEYS)) || a['llm.request.type'] !== undefined) return 'llm';
  if (hasAny(a, TOOL_HINT_KEYS)) return 'tool';
  if (events.length > 0 && hasEvent(events, ATTR.EVENT_GUARDRAIL_RESULT)) return 'guardrail';
  return isRoot && hasSession ? 'session' : 'other';
}
