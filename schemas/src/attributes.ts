/**
 * Attribute names Cairn emits and understands (docs/ARCHITECTURE.md, "Attribute conventions"). OpenTelemetry GenAI semantic
 * conventions come first; `cairn.*` names exist only where the conventions have nothing.
 */
export const ATTR = {
  // session, agent, workflow, user
  CONVERSATION_ID: 'gen_ai.conversation.id',
  AGENT_NAME: 'gen_ai.agent.name',
  AGENT_ID: 'gen_ai.agent.id',
  WORKFLOW_NAME: 'gen_ai.workflow.name',
  USER_ID: 'user.id',
  /** A human title for the session, shown in the sessions list in place of its id (any span may carry it). */
  SESSION_TITLE: 'cairn.session.title',
  // operation and kind
  OPERATION_NAME: 'gen_ai.operation.name',
  CAIRN_SPAN_KIND: 'cairn.span.kind',
  // model and provider
  REQUEST_MODEL: 'gen_ai.request.model',
  RESPONSE_MODEL: 'gen_ai.response.model',
  PROVIDER_NAME: 'gen_ai.provider.name',
  SYSTEM: 'gen_ai.system',
  // tokens
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  USAGE_CACHE_READ_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  USAGE_CACHE_WRITE_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  USAGE_REASONING_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  USAGE_PROMPT_TOKENS: 'gen_ai.usage.prompt_tokens',
  USAGE_COMPLETION_TOKENS: 'gen_ai.usage.completion_tokens',
  // prompt and response
  INPUT_MESSAGES: 'gen_ai.input.messages',
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  SYSTEM_INSTRUCTIONS: 'gen_ai.system_instructions',
  PROMPT_DEPRECATED: 'gen_ai.prompt',
  COMPLETION_DEPRECATED: 'gen_ai.completion',
  // tools
  TOOL_NAME: 'gen_ai.tool.name',
  TOOL_CALL_ID: 'gen_ai.tool.call.id',
  TOOL_CALL_ARGUMENTS: 'gen_ai.tool.call.arguments',
  TOOL_CALL_RESULT: 'gen_ai.tool.call.result',
  // cost, confidence, autonomy
  COST_USD: 'cairn.cost.usd',
  CONFIDENCE: 'cairn.confidence',
  EVALUATION_SCORE: 'gen_ai.evaluation.score.value',
  AUTONOMY_LEVEL: 'cairn.autonomy_level',
  /** Set by the collector: the columns whose value it clamped to fit the store (collector README). */
  CLAMPED: 'cairn.clamped',
  // Cairn events and their attributes
  EVENT_STATE: 'cairn.state',
  STATE_JSON: 'cairn.state.json',
  EVENT_ESCALATION: 'cairn.escalation',
  ESCALATION_REASON: 'cairn.escalation.reason',
  ESCALATION_TARGET: 'cairn.escalation.target',
  /** `sdk` when the Cairn SDK opened the review item itself (the engine then opens none). */
  ESCALATION_SOURCE: 'cairn.escalation.source',
  ESCALATION_ITEM_ID: 'cairn.escalation.item_id',
  /** The review decision the agent continued with (SDK `escalate(…, { wait: true })`). */
  EVENT_ESCALATION_DECISION: 'cairn.escalation.decision',
  DECISION: 'cairn.decision',
  DECISION_BY: 'cairn.decision.by',
  DECISION_COMMENT: 'cairn.decision.comment',
  DECISION_ACTION: 'cairn.decision.action',
  DECISION_FALLBACK: 'cairn.decision.fallback',
  EVENT_LIMIT_EXCEEDED: 'cairn.limit.exceeded',
  LIMIT_KIND: 'cairn.limit.kind',
  LIMIT_VALUE: 'cairn.limit.value',
  // Per-run caps the SDK enforced, on the session span (numbers; absent = no cap of that kind).
  // Recorded so the replay can draw the run's own budget lines: the SDK enforces caps locally and
  // the server would otherwise never learn them. One key per SDK option (`caps.maxCostUsd`, …).
  CAP_MAX_COST_USD: 'cairn.cap.max_cost_usd',
  CAP_MAX_TOKENS: 'cairn.cap.max_tokens',
  CAP_MAX_STEPS: 'cairn.cap.max_steps',
  CAP_MAX_DURATION_MS: 'cairn.cap.max_duration_ms',
  CAP_MAX_TOOL_REPEATS: 'cairn.cap.max_tool_repeats',
  // resource
  SERVICE_NAME: 'service.name',
} as const;

/** Attribute names other instrumentations use for the same meanings (accepted on ingest). */
export const FOREIGN_ATTR = {
  // OpenInference
  OI_SESSION_ID: 'session.id',
  OI_USER_ID: 'user.id',
  OI_SPAN_KIND: 'openinference.span.kind',
  OI_MODEL_NAME: 'llm.model_name',
  OI_PROVIDER: 'llm.provider',
  OI_SYSTEM: 'llm.system',
  OI_PROMPT_TOKENS: 'llm.token_count.prompt',
  OI_COMPLETION_TOKENS: 'llm.token_count.completion',
  OI_CACHE_READ_TOKENS: 'llm.token_count.prompt_details.cache_read',
  OI_CACHE_WRITE_TOKENS: 'llm.token_count.prompt_details.cache_write',
  OI_REASONING_TOKENS: 'llm.token_count.completion_details.reasoning',
  OI_INPUT_VALUE: 'input.value',
  OI_OUTPUT_VALUE: 'output.value',
  OI_INPUT_MESSAGES_PREFIX: 'llm.input_messages.',
  OI_OUTPUT_MESSAGES_PREFIX: 'llm.output_messages.',
  OI_TOOL_NAME: 'tool.name',
  OI_TOOL_PARAMETERS: 'tool.parameters',
  OI_AGENT_NAME: 'agent.name',
  OI_COST_TOTAL: 'llm.cost.total',
  OI_METADATA: 'metadata',
  // Vercel AI SDK
  AI_SESSION_ID: 'ai.telemetry.metadata.sessionId',
  AI_USER_ID: 'ai.telemetry.metadata.userId',
  AI_FUNCTION_ID: 'ai.telemetry.functionId',
  AI_OPERATION_ID: 'ai.operationId',
  AI_MODEL_ID: 'ai.model.id',
  AI_MODEL_PROVIDER: 'ai.model.provider',
  AI_USAGE_PROMPT_TOKENS: 'ai.usage.promptTokens',
  AI_USAGE_COMPLETION_TOKENS: 'ai.usage.completionTokens',
  AI_USAGE_INPUT_TOKENS: 'ai.usage.inputTokens',
  AI_USAGE_OUTPUT_TOKENS: 'ai.usage.outputTokens',
  AI_USAGE_CACHED_INPUT_TOKENS: 'ai.usage.cachedInputTokens',
  AI_USAGE_REASONING_TOKENS: 'ai.usage.reasoningTokens',
  AI_PROMPT: 'ai.prompt',
  AI_PROMPT_MESSAGES: 'ai.prompt.messages',
  AI_RESPONSE_TEXT: 'ai.response.text',
  AI_RESPONSE_TOOL_CALLS: 'ai.response.toolCalls',
  AI_TOOLCALL_NAME: 'ai.toolCall.name',
  AI_TOOLCALL_ID: 'ai.toolCall.id',
  AI_TOOLCALL_ARGS: 'ai.toolCall.args',
  AI_TOOLCALL_RESULT: 'ai.toolCall.result',
} as const;

/** The values of `cairn.autonomy_level`. */
export const AUTONOMY_LEVELS = ['hitl', 'hotl', 'exception', 'autonomous'] as const;
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];

/** The kinds of per-run cap the SDK enforces (`cairn.limit.kind`). */
export const LIMIT_KINDS = ['cost', 'tokens', 'steps', 'duration', 'repeats', 'budget'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

/**
 * The fields of a session's `caps` in `GET /api/sessions/:id`, each read from the session span
 * attribute beside it. Ordered as the SDK documents its caps.
 */
export const CAP_ATTRS = {
  max_cost_usd: ATTR.CAP_MAX_COST_USD,
  max_tokens: ATTR.CAP_MAX_TOKENS,
  max_steps: ATTR.CAP_MAX_STEPS,
  max_duration_ms: ATTR.CAP_MAX_DURATION_MS,
  max_tool_repeats: ATTR.CAP_MAX_TOOL_REPEATS,
} as const;
export type CapField = keyof typeof CAP_ATTRS;
