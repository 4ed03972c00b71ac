import { useState } from 'react';
import { parseJson } from '../../lib/json-diff';

interface ToolCall {
  id?: string;
  name?: string;
  arguments?: string;
}
interface Message {
  role?: string;
  content?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
  reasoning?: string;
}

const FOLD = 1200;

export function pretty(text: string): string {
  const p = parseJson(text);
  if (!p.ok) return text;
  // A recorded string is JSON-encoded ("\"Where is my order?\""): show the text, not its quotes and escapes.
  return typeof p.value === 'string' ? p.value : JSON.stringify(p.value, null, 2);
}

/** Message content: JSON objects and arrays (a tool result, a structured prompt) indented, text as it is. */
export function prettyContent(text: string): string {
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[') || t.startsWith('"') ? pretty(text) : text;
}

/** Long text folds: a 50 kB prompt should not push the rest of the panel off screen. */
export function Folded({ text, className }: { text: string; className?: string }) {
  const [open, setOpen] = useState(false);
  if (text.length <= FOLD) return <pre className={className}>{text}</pre>;
  return (
    <div>
      <pre className={className}>{open ? text : text.slice(0, FOLD) + '…'}</pre>
      <button type="button" className="ghost small" onClick={() => setOpen(!open)}>
        {open ? 'Fold' : `Show all ${text.length.toLocaleString()} characters`}
      </button>
    </div>
  );
}

export function asMessages(text: string): Message[] | undefined {
  const p = parseJson(text);
  if (!p.ok || !Array.isArray(p.value)) return undefined;
  if (!p.value.every((m) => m && typeof m === 'object' && typeof (m as Message).role === 'string')) return undefined;
  return p.value as Message[];
}

function Bubble({ m }: { m: Message }) {
  const role = m.role ?? 'message';
  return (
    <div className={`bubble role-${role}`} data-role={role}>
      <div className="bubble-role">
        {role}
        {m.name ? <span className="muted"> · {m.name}</span> : null}
        {m.tool_call_id ? <span className="muted mono as-is"> · {m.tool_call_id}</span> : null}
      </div>
      {m.reasoning ? <Folded text={m.reasoning} className="reasoning" /> : null}
      {m.content ? <Folded text={prettyContent(m.content)} /> : null}
      {m.tool_calls?.map((c, i) => (
        <div key={c.id ?? i} className="tool-call">
          <span className="badge badge-blue">call</span> <b className="mono">{c.name}</b>{' '}
          <span className="muted mono">{c.id}</span>
          <Folded text={pretty(c.arguments ?? '')} className="mono" />
        </div>
      ))}
    </div>
  );
}

export function Messages({ input, output }: { input: string; output: string }) {
  const inMsgs = asMessages(input);
  const outMsgs = asMessages(output);
  if (!input && !output) return <p className="muted">This step recorded no prompt or response.</p>;
  return (
    <div className="chat" data-testid="messages">
      {inMsgs ? (
        inMsgs.map((m, i) => <Bubble key={`i${i}`} m={m} />)
      ) : input ? (
        <Bubble m={{ role: 'input', content: pretty(input) }} />
      ) : null}
      {outMsgs ? (
        <>
          <div className="chat-sep">response</div>
          {outMsgs.map((m, i) => (
            <Bubble key={`o${i}`} m={m} />
          ))}
        </>
      ) : output ? (
        <Bubble m={{ role: 'output', content: pretty(output) }} />
      ) : null}
    </div>
  );
}
