import { ATTR, AUTONOMY_LEVELS, FOREIGN_ATTR } from '@cairn/schemas';
import { asString, takeString } from '../attr-values.js';
import { agentFromSpanName, metadataNames, workflowFromSpanName } from '../conventions-names.js';
import { inferKind } from '../span-kind.js';
import type { Extraction } from './extraction.js';

const SESSION_KEYS = [ATTR.CONVERSATION_ID, FOREIGN_ATTR.OI_SESSION_ID, FOREIGN_ATTR.AI_SESSION_ID];
const MODEL_KEYS = [
  ATTR.RESPONSE_MODEL,
  ATTR.REQUEST_MODEL,
  FOREIGN_ATTR.OI_MODEL_NAME,
  'ai.response.model',
  FOREIGN_ATTR.AI_MODEL_ID,
  'embedding.model_name',
];
const AGENT_KEYS = [ATTR.AGENT_NAME, FOREIGN_ATTR.OI_AGENT_NAME];
const WORKFLOW_KEYS = [ATTR.WORKFLOW_NAME];
const USER_KEYS = [ATTR.USER_ID, FOREIGN_ATTR.AI_USER_ID, 'enduser.id'];
const AUTONOMY = new Set<string>(AUTONOMY_LEVELS);

/**
 * Kind and names: session, kind (span-kind.ts), model, agent, workflow, user and autonomy level,
 * from the GenAI attributes first, then OpenInference, the Vercel AI SDK's telemetry metadata
 * and finally the span name (conventions-names.ts).
 */
export function namesStep(x: Extraction): void {
  const { a, row, span: s } = x;
  const used = x.consumed.used;
  const meta = metadataNames(a);
  x.sessionAttr = takeString(a, SESSION_KEYS, used) || meta.session;
  if (x.sessionAttr !== '') row.session_id = x.sessionAttr;
  const kind = inferKind(s.name, a, s.events, row.parent_span_id === '', x.sessionAttr !== '', used);
  row.kind = kind;
  row.model = takeString(a, MODEL_KEYS, used);
  // Vercel's functionId names the traced function: it is the workflow and, when nothing names
  // an agent, the agent too (budgets and the session list group by agent).
  const functionId = asString(a[FOREIGN_ATTR.AI_FUNCTION_ID]) ?? '';
  let agent = takeString(a, AGENT_KEYS, used);
  let workflow = takeString(a, WORKFLOW_KEYS, used);
  if (functionId !== '' && (agent === '' || workflow === '')) {
    agent ||= functionId;
    workflow ||= functionId;
    used.push(FOREIGN_ATTR.AI_FUNCTION_ID);
  }
  row.agent_name = agent || meta.agent || agentFromSpanName(s.name, a, kind);
  row.workflow = workflow || workflowFromSpanName(s.name, a);
  row.user_id = takeString(a, USER_KEYS, used) || meta.user;
  const autonomy = asString(a[ATTR.AUTONOMY_LEVEL]);
  if (autonomy !== undefined && AUTONOMY.has(autonomy)) {
    row.autonomy_level = autonomy;
    used.push(ATTR.AUTONOMY_LEVEL);
  }
}
