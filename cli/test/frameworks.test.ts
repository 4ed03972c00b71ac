import { rawSql } from '@cairn/storage/testing';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnRuntime } from 'cairn';
import { exportWithOtelSdk, tempDataDir, startTestCairn } from '@cairn/testkit';

/*
 * The README's "Send traces from your framework" snippets, against a real Cairn (collector,
 * embedded store). The OpenTelemetry SDK snippet runs as written, in its own Node process. The
 * Vercel AI SDK, OpenInference and LangChain packages are not dependencies of this repository:
 * for them the test reads the settings out of the snippet (session, user, agent, function id,
 * model) and emits the spans those instrumentations produce for such a call — their published
 * attribute names, built with the official OpenTelemetry SDK and sent by its OTLP exporter.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const INGEST = 'cairn_ik_' + 'f'.repeat(24);
const tmp = tempDataDir('cairn-frameworks-');
let cairn: CairnRuntime;

beforeAll(async () => {
  cairn = await startTestCairn(tmp.dir, { CAIRN_INGEST_KEY: INGEST, CAIRN_BATCH_MAX_MS: '50' });
});
afterAll(async () => {
  await cairn?.stop();
  tmp.cleanup();
});

/** The first code block under `### heading` in the README's framework section. */
function snippet(heading: string): string {
  const section = README.slice(README.indexOf('## Send traces from your framework'));
  const at = section.indexOf(`### ${heading}\n`);
  if (at < 0) throw new Error(`README has no "### ${heading}" under "Send traces from your framework"`);
  const m = /```(?:js|ts)\n([\s\S]*?)```/.exec(section.slice(at));
  if (!m) throw new Error(`no code block under "### ${heading}"`);
  return m[1] as string;
}

/** A `key: 'value'` setting in a snippet. */
function setting(code: string, key: string): string {
  const m = new RegExp(`${key}: '([^']+)'`).exec(code);
  if (!m) throw new Error(`the snippet sets no ${key}:\n${code}`);
  return m[1] as string;
}

interface Row {
  name: string;
  kind: string;
  session_id: string;
  agent_name: string;
  workflow: string;
  user_id: string;
  model: string;
  provider: string;
  cost_usd: number;
  cost_source: string;
}

async function rowsOf(sessionId: string): Promise<Row[]> {
  await cairn.flush();
  return rawSql(cairn.store).query<Row>(
    `SELECT name, kind, session_id, agent_name, workflow, user_id, model, provider, cost_usd, cost_source
     FROM spans WHERE session_id = {s:String} ORDER BY start_time`,
    { s: sessionId },
  );
}

/** Spans built by `build`, exported by the official OTLP/HTTP protobuf exporter to the running collector. */
async function sendWithSdk(build: (tracer: Tracer) => void): Promise<void> {
  await exportWithOtelSdk(cairn.otlpUrl, INGEST, build, 'frameworks-test');
}

function child(tracer: Tracer, parent: Span, name: string, attributes: Attributes): Span {
  return tracer.startSpan(name, { attributes }, trace.setSpan(context.active(), parent));
}

describe('README: Send traces from your framework', () => {
  it('OpenTelemetry SDK: the snippet runs as written and its run is one session of agent "support"', async () => {
    const code = snippet('OpenTelemetry SDK (Node.js)');
    expect(code).toContain("url: 'http://127.0.0.1:4318/v1/traces'");
    const dir = join(ROOT, 'test-output', 'frameworks');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'otel-sdk-snippet.mjs');
    // Only the address and key change: this Cairn listens on a port the system picked.
    writeFileSync(
      file,
      code
        .replace('http://127.0.0.1:4318', cairn.otlpUrl)
        .replace('cairn_ik_your_ingest_key', INGEST)
        .replace("'conv-42'", "'conv-42-otel'"),
    );
    const exit = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [file], { cwd: dir });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('exit', (c) => resolve({ code: c, out }));
    });
    expect(exit.out).toBe('');
    expect(exit.code).toBe(0);
    const rows = await rowsOf('conv-42-otel');
    expect(rows.map((r) => r.name).sort()).toEqual(['chat gpt-4o-mini', 'invoke_agent support']);
    for (const r of rows) expect(r).toMatchObject({ agent_name: 'support', user_id: 'u-7' });
    const chat = rows.find((r) => r.name === 'chat gpt-4o-mini')!;
    expect(chat).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini', provider: 'openai', cost_source: 'computed' });
    expect(chat.cost_usd).toBeGreaterThan(0);
  });

  it('Vercel AI SDK: metadata.sessionId / userId are the session and user, functionId the workflow and agent', async () => {
    const code = snippet('Vercel AI SDK');
    expect(code).toContain('experimental_telemetry');
    const functionId = setting(code, 'functionId');
    const sessionId = `${setting(code, 'sessionId')}-ai-sdk`;
    const userId = setting(code, 'userId');
    const model = /openai\('([^']+)'\)/.exec(code)?.[1] ?? '';
    expect(model).not.toBe('');
    // What the AI SDK (v5/v6) records for generateText with experimental_telemetry.
    const telemetry = {
      'ai.telemetry.functionId': functionId,
      'ai.telemetry.metadata.sessionId': sessionId,
      'ai.telemetry.metadata.userId': userId,
      'ai.model.id': model,
      'ai.model.provider': 'openai.chat',
      'resource.name': functionId,
    };
    await sendWithSdk((tracer) => {
      const root = tracer.startSpan('ai.generateText', {
        attributes: {
          ...telemetry,
          'operation.name': `ai.generateText ${functionId}`,
          'ai.operationId': 'ai.generateText',
          'ai.prompt': JSON.stringify({ prompt: 'Where is my order?' }),
          'ai.response.text': 'It ships today.',
          'ai.usage.inputTokens': 12,
          'ai.usage.outputTokens': 5,
        },
      });
      child(tracer, root, 'ai.generateText.doGenerate', {
        ...telemetry,
        'operation.name': `ai.generateText.doGenerate ${functionId}`,
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.prompt.messages': JSON.stringify([{ role: 'user', content: [{ type: 'text', text: 'Where is my order?' }] }]),
        'ai.response.text': 'It ships today.',
        'ai.usage.inputTokens': 12,
        'ai.usage.outputTokens': 5,
        'gen_ai.system': 'openai.chat',
        'gen_ai.request.model': model,
        'gen_ai.response.model': `${model}-2024-07-18`,
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 5,
      }).end();
      root.end();
    });
    const rows = await rowsOf(sessionId);
    expect(rows.map((r) => r.name).sort()).toEqual(['ai.generateText', 'ai.generateText.doGenerate']);
    for (const r of rows) expect(r).toMatchObject({ user_id: userId, agent_name: functionId, workflow: functionId });
    expect(rows.find((r) => r.name === 'ai.generateText.doGenerate')).toMatchObject({
      kind: 'llm',
      provider: 'openai',
      cost_source: 'computed',
    });
  });

  it('Vercel AI SDK: an OpenAI-compatible provider is stored without its API suffix, as the README says', async () => {
    expect(README).toContain('OpenAI-compatible `fakeai.chat` become');
    await sendWithSdk((tracer) => {
      tracer
        .startSpan('ai.generateText.doGenerate', {
          attributes: {
            'ai.telemetry.metadata.sessionId': 'conv-fakeai',
            'ai.operationId': 'ai.generateText.doGenerate',
            'ai.model.id': 'fake-model',
            'ai.model.provider': 'fakeai.chat',
            'ai.usage.inputTokens': 3,
          },
        })
        .end();
    });
    expect((await rowsOf('conv-fakeai'))[0]?.provider).toBe('fakeai');
  });

  it("OpenInference: traceAgent's name is the agent, setSession / setUser the session and user", async () => {
    const code = snippet('OpenInference (OpenAI)');
    expect(code).toContain('traceAgent(');
    const agent = /\{ name: '([^']+)' \}/.exec(code)?.[1] ?? '';
    expect(agent).not.toBe('');
    const sessionId = `${setting(code, 'sessionId')}-openinference`;
    const userId = setting(code, 'userId');
    const model = setting(code, 'model');
    // The context attributes (session.id, user.id) land on every span OpenInference starts.
    const ctxAttrs = { 'session.id': sessionId, 'user.id': userId };
    await sendWithSdk((tracer) => {
      const root = tracer.startSpan(agent, {
        attributes: {
          ...ctxAttrs,
          'openinference.span.kind': 'AGENT',
          'input.value': 'Where is my order?',
          'output.value': 'Today.',
        },
      });
      child(tracer, root, 'OpenAI Chat Completions', {
        ...ctxAttrs,
        'openinference.span.kind': 'LLM',
        'llm.system': 'openai',
        'llm.provider': 'openai',
        'llm.model_name': `${model}-2024-07-18`,
        'llm.invocation_parameters': JSON.stringify({ model }),
        'llm.input_messages.0.message.role': 'user',
        'llm.input_messages.0.message.content': 'Where is my order?',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.content': 'Today.',
        'llm.token_count.prompt': 14,
        'llm.token_count.completion': 2,
        'llm.token_count.total': 16,
      }).end();
      root.end();
    });
    const rows = await rowsOf(sessionId);
    expect(rows.map((r) => r.kind).sort()).toEqual(['agent', 'llm']);
    for (const r of rows) expect(r).toMatchObject({ agent_name: agent, user_id: userId });
    expect(rows.find((r) => r.kind === 'llm')!.cost_source).toBe('computed');
  });

  it('LangChain: metadata session_id / user_id / agent_name on every span; the root chain is a step', async () => {
    const code = snippet('LangChain (through OpenInference)');
    const literal = /metadata: (\{[^}]+\})/.exec(code)?.[1];
    expect(literal).toBeDefined();
    // The snippet's object literal as the JSON LangChain's instrumentation serializes.
    const metadata = JSON.parse(literal!.replace(/(\w+):/g, '"$1":').replace(/'/g, '"')) as Record<string, string>;
    const sessionId = `${metadata.session_id}-langchain`;
    const meta = JSON.stringify({ ...metadata, session_id: sessionId });
    const model = setting(code, 'model');
    await sendWithSdk((tracer) => {
      // OpenInference lifts metadata.session_id into session.id; user and agent stay in metadata.
      const common = { metadata: meta, 'session.id': sessionId };
      const root = tracer.startSpan('RunnableSequence', {
        attributes: { ...common, 'openinference.span.kind': 'CHAIN', 'input.value': '{"question":"Where is my order?"}' },
      });
      child(tracer, root, 'ChatPromptTemplate', { ...common, 'openinference.span.kind': 'CHAIN' }).end();
      child(tracer, root, 'ChatOpenAI', {
        ...common,
        'openinference.span.kind': 'LLM',
        'llm.provider': 'openai',
        'llm.system': 'openai',
        'llm.model_name': model,
        'llm.token_count.prompt': 20,
        'llm.token_count.completion': 4,
      }).end();
      root.end();
    });
    const rows = await rowsOf(sessionId);
    const kinds = Object.fromEntries(rows.map((r) => [r.name, r.kind]));
    expect(kinds).toEqual({ RunnableSequence: 'step', ChatPromptTemplate: 'step', ChatOpenAI: 'llm' });
    for (const r of rows) expect(r).toMatchObject({ user_id: metadata.user_id, agent_name: metadata.agent_name });
  });
});
