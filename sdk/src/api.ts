import type { Attributes, Span } from '@opentelemetry/api';
import { ATTR, GENAI_OPERATION } from '@cairn/schemas/conventions';
import type { AutonomyLevel } from '@cairn/schemas/conventions';
import { toJson } from './json.js';
import { llmSpec, recordLlmResult } from './llm.js';
import type { LlmRequest, LlmResult } from './llm.js';
import { rt } from './runtime.js';
import type { Scope } from './runtime.js';
import { StepHandle, runStep, textMessages } from './steps.js';

export interface StepOptions {
  /** What the replay shows as the step's input. */
  input?: unknown;
  attributes?: Attributes;
}

export interface AgentOptions extends StepOptions {
  /** `cairn.autonomy_level` of this agent. */
  autonomy?: AutonomyLevel;
}

function inputAttrs(opts: StepOptions | undefined, key: string = ATTR.INPUT_MESSAGES): Attributes | undefined {
  if (opts === undefined) return undefined;
  if (opts.input === undefined || !rt.content.capture) return opts.attributes;
  const a: Attributes = { ...opts.attributes };
  a[key] = key === ATTR.INPUT_MESSAGES ? textMessages('user', opts.input) : toJson(opts.input, rt.content.maxChars);
  return a;
}

/**
 * Runs `fn` as a (sub-)agent: an `invoke_agent` span whose name is put on every span inside it.
 * Agents nest and run in parallel (`Promise.all`) freely; all stay in the session.
 */
export function agent<T>(name: string, fn: (a: StepHandle) => T | Promise<T>, opts?: AgentOptions): Promise<T> {
  return runStep(
    {
      kind: 'agent',
      name: `invoke_agent ${name}`,
      operation: GENAI_OPERATION.INVOKE_AGENT,
      attrs: inputAttrs(opts),
      counted: false,
      agent: { name, autonomy: opts?.autonomy },
      outputKey: ATTR.OUTPUT_MESSAGES,
    },
    fn,
  );
}

/** Runs `fn` as a reasoning step (`cairn.span.kind` = `step`). Counts toward `maxSteps`. */
export function step<T>(name: string, fn: (s: StepHandle) => T | Promise<T>, opts?: StepOptions): Promise<T> {
  return runStep(
    { kind: 'step', name, operation: undefined, attrs: inputAttrs(opts), counted: true, outputKey: ATTR.OUTPUT_MESSAGES },
    fn,
  );
}

/**
 * Runs `fn` as a tool call `name(args)`: arguments and result are recorded, and identical calls
 * count toward `maxToolRepeats`.
 */
export function tool<T>(
  name: string,
  args: unknown,
  fn: (t: StepHandle) => T | Promise<T>,
  opts?: Omit<StepOptions, 'input'> & { callId?: string },
): Promise<T> {
  const attrs: Attributes = { ...opts?.attributes, [ATTR.TOOL_NAME]: name };
  if (opts?.callId) attrs[ATTR.TOOL_CALL_ID] = opts.callId;
  if (rt.content.capture && args !== undefined) attrs[ATTR.TOOL_CALL_ARGUMENTS] = toJson(args, rt.content.maxChars);
  return runStep(
    {
      kind: 'tool',
      name: `execute_tool ${name}`,
      operation: GENAI_OPERATION.EXECUTE_TOOL,
      attrs,
      counted: true,
      toolArgs: { name, args },
      outputKey: ATTR.TOOL_CALL_RESULT,
    },
    fn,
  );
}

/**
 * Runs `fn` as a retrieval (search, vector lookup) for `query`: a GenAI `retrieval` span with the
 * query as `gen_ai.retrieval.query.text`, `source` as `gen_ai.data_source.id`, and the returned
 * documents as `gen_ai.retrieval.documents` (content capture on).
 */
export function retrieval<T>(
  query: string,
  fn: (r: StepHandle) => T | Promise<T>,
  opts?: Omit<StepOptions, 'input'> & { source?: string },
): Promise<T> {
  const attributes: Attributes = { ...opts?.attributes };
  if (opts?.source) attributes[ATTR.DATA_SOURCE_ID] = opts.source;
  return runStep(
    {
      kind: 'retrieval',
      name: opts?.source ? `retrieval ${opts.source}` : 'retrieval',
      operation: GENAI_OPERATION.RETRIEVAL,
      attrs: inputAttrs({ input: query, attributes }, ATTR.RETRIEVAL_QUERY_TEXT),
      counted: true,
      outputKey: ATTR.RETRIEVAL_DOCUMENTS,
    },
    fn,
  );
}

/**
 * Runs `fn` as the planning phase of the current agent (GenAI `plan` operation, kind `step`):
 * task decomposition before acting. Counts toward `maxSteps` like any step.
 */
export function plan<T>(fn: (s: StepHandle) => T | Promise<T>, opts?: StepOptions & { name?: string }): Promise<T> {
  return runStep(
    {
      kind: 'step',
      name: opts?.name ?? 'plan',
      operation: GENAI_OPERATION.PLAN,
      attrs: inputAttrs(opts),
      counted: true,
      outputKey: ATTR.OUTPUT_MESSAGES,
    },
    fn,
  );
}

/** The handle of a manual LLM call: report what the model returned with `record()`. */
export class LlmCall extends StepHandle {
  /** @internal */
  constructor(
    span: Span,
    scope: Scope | undefined,
    private readonly model: string,
  ) {
    super(span, scope);
  }

  /** Records the answer: model, usage, output. Cost comes from the price table unless given. */
  record(result: LlmResult): void {
    const err = recordLlmResult(this.span, this.scope, this.model, result);
    if (err !== undefined) this.stopError = err;
  }
}

/**
 * Runs `fn` as a call to a model you call yourself (the OpenAI/Anthropic wrappers do this for
 * you). If the usage recorded crosses the cost or token cap, the call's promise rejects with
 * the cap error after `fn` finished.
 */
export function llm<T>(req: LlmRequest, fn: (call: LlmCall) => T | Promise<T>): Promise<T> {
  return runStep(llmSpec(req), fn, (span, scope) => new LlmCall(span, scope, req.model));
}
