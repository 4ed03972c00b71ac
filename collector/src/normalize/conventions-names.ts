import { ATTR, FOREIGN_ATTR } from '@cairn/schemas';
import type { SpanKind } from '@cairn/schemas';
import { TOKEN_HINT_KEYS } from './cost.js';
import type { Attributes } from '../otlp/decoded.js';

/*
 * Names that instrumentations put somewhere other than the GenAI attributes. Without them a
 * span has no agent or tool name, and agent filters, agent-scoped budgets and the per-agent
 * anomaly detectors cannot cover it.
 *
 * - OpenInference names an AGENT span after the agent (`traceAgent(fn, { name })`) and a TOOL
 *   span after the tool; `agent.name` / `tool.name` are optional there.
 * - The GenAI conventions name spans `invoke_agent {gen_ai.agent.name}` and
 *   `execute_tool {gen_ai.tool.name}`: the name is recoverable when the attribute is left out.
 * - LangChain (through OpenInference) serializes the run's `metadata` as one JSON attribute,
 *   `metadata`: user, session and agent live inside it. OpenInference lifts only the session
 *   (`session.id`); the user and agent are read here, from the same object, so the three agree.
 */

/** The attribute Cairn adds when an LLM span reported no token counts (false), so a cost of 0 is not read as free. */
export const USAGE_REPORTED_ATTR = 'cairn.usage.reported';

const META_SESSION = ['session_id', 'sessionId', 'thread_id', 'threadId', 'conversation_id', 'conversationId'];
const META_USER = ['user_id', 'userId', 'user'];
const META_AGENT = ['agent_name', 'agentName', 'lc_agent_name'];

export interface MetadataNames {
  session: string;
  user: string;
  agent: string;
}

const NONE: MetadataNames = { session: '', user: '', agent: '' };

function pick(obj: Record<string, unknown>, keys: readonly string[]): string {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return '';
}

/** Session, user and agent from the `metadata` JSON attribute (LangChain through OpenInference); '' where absent. */
export function metadataNames(a: Attributes): MetadataNames {
  const raw = a[FOREIGN_ATTR.OI_METADATA];
  // A cheap guard first: most spans carry no metadata, and metadata without these keys is common.
  if (typeof raw !== 'string' || raw.length < 8 || raw.charCodeAt(0) !== 123 /* { */) return NONE;
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    return NONE;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return NONE;
  const m = obj as Record<string, unknown>;
  return { session: pick(m, META_SESSION), user: pick(m, META_USER), agent: pick(m, META_AGENT) };
}

const isOi = (a: Attributes, kind: string): boolean => {
  const v = a[FOREIGN_ATTR.OI_SPAN_KIND];
  return typeof v === 'string' && v.toUpperCase() === kind;
};

/** `prefix name` → `name`, else ''. */
function after(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length).trim() : '';
}

/** The agent a span's own name gives, when no attribute named it: OpenInference AGENT spans, GenAI `invoke_agent X`. */
export function agentFromSpanName(name: string, a: Attributes, kind: SpanKind): string {
  if (kind !== 'agent') return '';
  if (isOi(a, 'AGENT')) return name;
  if (a[ATTR.OPERATION_NAME] === 'invoke_agent' || a[ATTR.OPERATION_NAME] === 'create_agent') {
    return after(name, `${String(a[ATTR.OPERATION_NAME])} `);
  }
  return '';
}

/**
 * The tool a span's own name gives, when no attribute named it: OpenInference TOOL spans, GenAI
 * `execute_tool X`, MCP `tools/call X` (the MCP span name is `{mcp.method.name} {target}`).
 */
export function toolFromSpanName(name: string, a: Attributes, kind: SpanKind): string {
  if (kind !== 'tool') return '';
  if (isOi(a, 'TOOL')) return name;
  if (a[ATTR.OPERATION_NAME] === 'execute_tool') return after(name, 'execute_tool ') || after(name, 'tools/call ');
  if (a[ATTR.MCP_METHOD_NAME] === 'tools/call') return after(name, 'tools/call ');
  return '';
}

/** The workflow a GenAI `invoke_workflow {gen_ai.workflow.name}` span's name gives when the attribute is missing. */
export function workflowFromSpanName(name: string, a: Attributes): string {
  return a[ATTR.OPERATION_NAME] === 'invoke_workflow' ? after(name, 'invoke_workflow ') : '';
}

/**
 * True for an LLM span that reported no usage at all (no token counts, no cost): OpenInference's
 * OpenAI instrumentation records none for a streamed completion unless the caller asked for
 * `stream_options.include_usage`. Its cost is unknown, not zero.
 */
export function usageNotReported(kind: SpanKind, a: Attributes, costSource: string): boolean {
  if (kind !== 'llm' || costSource === 'provided') return false;
  for (const k of TOKEN_HINT_KEYS) if (a[k] !== undefined) return false;
  return true;
}
