import type { Attributes, Span } from '@opentelemetry/api';
import { ATTR, computeCost } from '@cairn/schemas/conventions';
import { toJson } from './json.js';
import type { LlmUsage } from './run-state.js';
import { rt } from './runtime.js';
import type { Scope } from './runtime.js';
import type { StepSpec } from './steps.js';

/** What a call to a model asked for. */
export interface LlmRequest {
  /** Requested model id, e.g. `gpt-4.1-mini` (priced from the price table). */
  model: string;
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`. */
  provider?: string;
  /** `gen_ai.operation.name` (default `chat`). */
  operation?: string;
  /** Input messages: GenAI-convention `{ role, parts }`, or `{ role, content }`, or a string. */
  input?: unknown;
  /** System instructions (string or GenAI parts). */
  system?: unknown;
  attributes?: Attributes;
}

/** What a call to a model returned. */
export interface LlmResult {
  responseModel?: string;
  responseId?: string;
  usage?: LlmUsage;
  /** A cost you know better than the price table (e.g. from a gateway); wins over the computed one. */
  costUsd?: number;
  /** Output messages: GenAI-convention `{ role, parts, finish_reason }`, or `{ role, content }`, or a string. */
  output?: unknown;
  finishReasons?: string[];
}

const RESPONSE_ID = 'gen_ai.response.id';
const FINISH_REASONS = 'gen_ai.response.finish_reasons';

interface Part {
  type: string;
  [k: string]: unknown;
}
export interface GenAiMessage {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

/** Normalizes loose message shapes to the GenAI convention's `{ role, parts }`. */
export function toGenAiMessages(value: unknown, defaultRole: string): GenAiMessage[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ role: defaultRole, parts: [{ type: 'text', content: value }] }];
  if (!Array.isArray(value)) return toGenAiMessages([value], defaultRole);
  return value.map((m: unknown): GenAiMessage => {
    if (typeof m === 'string') return { role: defaultRole, parts: [{ type: 'text', content: m }] };
    const o = (m ?? {}) as Record<string, unknown>;
    const role = typeof o.role === 'string' ? o.role : defaultRole;
    if (Array.isArray(o.parts)) return o as unknown as GenAiMessage;
    const content = o.content;
    const parts: Part[] =
      typeof content === 'string'
        ? [{ type: 'text', content }]
        : content === undefined
          ? []
          : [{ type: 'text', content: toJson(content, rt.content.maxChars) }];
    return { role, parts };
  });
}

export function llmSpec(req: LlmRequest): StepSpec {
  const op = req.operation ?? 'chat';
  const attrs: Attributes = { [ATTR.REQUEST_MODEL]: req.model };
  if (req.provider) attrs[ATTR.PROVIDER_NAME] = req.provider;
  if (req.attributes) Object.assign(attrs, req.attributes);
  if (rt.content.capture) {
    if (req.input !== undefined) attrs[ATTR.INPUT_MESSAGES] = capped(toGenAiMessages(req.input, 'user'));
    if (req.system !== undefined)
      attrs[ATTR.SYSTEM_INSTRUCTIONS] = capped(
        typeof req.system === 'string' ? [{ type: 'text', content: req.system }] : req.system,
      );
  }
  return { kind: 'llm', name: `${op} ${req.model}`, operation: op, attrs, counted: true, outputKey: undefined };
}

function capped(v: unknown): string {
  return toJson(v, rt.content.maxChars);
}

/** Cost of one call from the price table, or undefined for an unknown model. */
export function priceCall(model: string, usage: LlmUsage): number | undefined {
  const price = rt.prices.find(model);
  if (price === undefined) return undefined;
  return computeCost(
    {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens ?? 0,
      cache_write_tokens: usage.cacheWriteTokens ?? 0,
    },
    price,
  );
}

/**
 * Records a model's answer on its span and adds its usage to the run. Returns the error that
 * ends the run when this call crossed the cost or token cap (the event is on `span`).
 */
export function recordLlmResult(span: Span, scope: Scope | undefined, requestModel: string, res: LlmResult) {
  const model = res.responseModel ?? requestModel;
  if (res.responseModel) span.setAttribute(ATTR.RESPONSE_MODEL, res.responseModel);
  if (res.responseId) span.setAttribute(RESPONSE_ID, res.responseId);
  if (res.finishReasons && res.finishReasons.length > 0) span.setAttribute(FINISH_REASONS, res.finishReasons);
  if (res.output !== undefined && rt.content.capture)
    span.setAttribute(ATTR.OUTPUT_MESSAGES, capped(toGenAiMessages(res.output, 'assistant')));
  const u = res.usage;
  if (u === undefined) return undefined;
  span.setAttribute(ATTR.USAGE_INPUT_TOKENS, u.inputTokens);
  span.setAttribute(ATTR.USAGE_OUTPUT_TOKENS, u.outputTokens);
  if (u.cacheReadTokens) span.setAttribute(ATTR.USAGE_CACHE_READ_TOKENS, u.cacheReadTokens);
  if (u.cacheWriteTokens) span.setAttribute(ATTR.USAGE_CACHE_WRITE_TOKENS, u.cacheWriteTokens);
  if (u.reasoningTokens) span.setAttribute(ATTR.USAGE_REASONING_TOKENS, u.reasoningTokens);
  const cost = res.costUsd ?? priceCall(model, u) ?? priceCall(requestModel, u);
  if (cost !== undefined) span.setAttribute(ATTR.COST_USD, cost);
  return scope?.run?.addUsage(u, cost, span);
}
