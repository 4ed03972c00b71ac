/*
 * Example 2: a support-ticket agent. It retrieves policy articles, classifies the ticket with a
 * (simulated) Claude model whose policy prompt is cached, looks the order up, drafts a reply and
 * scores its confidence; below the threshold it escalates to a human instead of answering.
 * Failure scenario ("upstream-empty"): the order service returns nothing, the agent retries the
 * same lookup, and the repeat cap ends the run.
 */
import { agent, isRunStoppedError, retrieval, session, snapshot, step, tool, wrapAnthropic } from '@cairn/sdk';
import type { SessionHandle } from '@cairn/sdk';
import { runAsMain } from './main.js';
import { createSimAnthropic, toolDelay } from './sim-llm.js';
import { seededRandom } from '@cairn/schemas/conventions';
import type { Responder } from './sim-llm.js';
import type { ExampleResult } from './reporting-pipeline.js';

export type SupportScenario = 'refund' | 'ambiguous' | 'upstream-empty';

export interface Ticket {
  id: string;
  customer: string;
  subject: string;
  body: string;
  orderId: string;
}

export const CONFIDENCE_THRESHOLD = 0.6;
export const SUPPORT_CAPS = { maxCostUsd: 0.25, maxSteps: 40, maxToolRepeats: 3, maxDurationMs: 5 * 60_000 };

export const TICKETS: Record<SupportScenario, Ticket> = {
  refund: {
    id: 'T-1001',
    customer: 'cust-481',
    subject: 'Refund for damaged blender',
    body: 'My blender arrived with a cracked jar. I want a refund.',
    orderId: 'A-1042',
  },
  ambiguous: {
    id: 'T-1002',
    customer: 'cust-733',
    subject: 'Something is off with my account',
    body: 'I was charged twice maybe? Also my invoice address looks wrong and the app logs me out.',
    orderId: 'A-2210',
  },
  'upstream-empty': {
    id: 'T-1003',
    customer: 'cust-129',
    subject: 'Where is my order?',
    body: 'Order A-3307 has not arrived after 12 days.',
    orderId: 'A-3307',
  },
};

const KB = [
  {
    id: 'kb-refunds',
    title: 'Refunds for damaged items',
    text: 'Damaged items are refunded in full within 30 days of delivery after a photo or description of the damage. No return shipment is needed under $150.',
  },
  {
    id: 'kb-shipping',
    title: 'Late deliveries',
    text: 'Orders not delivered within 10 business days are traced with the carrier; customers get a replacement or a refund.',
  },
  {
    id: 'kb-billing',
    title: 'Double charges',
    text: 'Card holds may appear twice for up to 3 days; a duplicate settled charge is refunded by billing (human review).',
  },
  {
    id: 'kb-account',
    title: 'Account and login issues',
    text: 'Session expiry and address changes are handled in account settings; security issues go to the trust team.',
  },
];

// A long policy prompt, cached by the provider after the first call.
const POLICY = `ROLE:support You are a support agent for Acme Home. Policies:\n${KB.map((k) => `- ${k.title}: ${k.text}`).join('\n')}\n${'Always be accurate, brief and kind. '.repeat(60)}`;

const respond: Responder = (system, user) => {
  const task = /^TASK:(\S+)/.exec(user)?.[1] ?? '';
  if (task === 'classify') {
    if (user.includes('refund')) return { text: 'intent=refund_damaged confidence=0.91' };
    if (user.includes('arrived')) return { text: 'intent=late_delivery confidence=0.88' };
    return { text: 'intent=unclear(billing|account|login) confidence=0.41' };
  }
  if (task === 'lookup') return { toolCalls: [{ name: 'orders.lookup', args: { order_id: /order=(\S+)/.exec(user)?.[1] } }] };
  if (task === 'retry')
    return { text: 'The order service returned nothing; it may be a transient outage. Retrying the same lookup.' };
  if (task === 'draft') {
    return user.includes('refund_damaged')
      ? {
          text: 'Hi! Sorry your blender arrived damaged. I have issued a full refund to your card; you do not need to send it back. It will show within 5 business days.',
        }
      : {
          text: 'Hi! Thanks for reaching out. I want to make sure I get this right, so a specialist will look at your charges and account settings today.',
        };
  }
  return { text: system.length > 0 ? 'OK.' : '' };
};

/** Handles one ticket as one Cairn session. Never throws: the outcome is in the result. */
export async function runSupportAgent(
  opts: { scenario?: SupportScenario; seed?: number; timeScale?: number; sessionId?: string } = {},
): Promise<ExampleResult> {
  const scenario = opts.scenario ?? 'refund';
  const ticket = TICKETS[scenario];
  const timeScale = opts.timeScale ?? 1;
  const random = seededRandom((opts.seed ?? 1) * 104_729);
  const claude = wrapAnthropic(createSimAnthropic(respond, { timeScale, seed: opts.seed ?? 1 }));
  const ask = async (prompt: string): Promise<{ text: string; tools: { name: string; input: unknown }[] }> => {
    const r = await claude.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 512,
      system: [{ type: 'text', text: POLICY, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: prompt }],
    });
    const blocks = r.content as { type: string; text?: string; name?: string; input?: unknown }[];
    return {
      text: blocks
        .filter((b) => b.type === 'text')
        .map((b) => b.text ?? '')
        .join(''),
      tools: blocks.filter((b) => b.type === 'tool_use').map((b) => ({ name: b.name ?? '', input: b.input })),
    };
  };
  let sessionId = opts.sessionId ?? '';
  let handle: SessionHandle | undefined;
  try {
    const output = await session(
      {
        agent: 'support-agent',
        ...(opts.sessionId ? { id: opts.sessionId } : {}),
        workflow: 'ticket-triage',
        user: ticket.customer,
        autonomy: 'exception',
        tags: ['example', `scenario:${scenario}`, ticket.id],
        caps: SUPPORT_CAPS,
        input: ticket,
      },
      async (s) => {
        sessionId = s.id;
        handle = s;
        const docs = await retrieval(
          `${ticket.subject} ${ticket.body}`,
          async (r) => {
            await toolDelay(random, timeScale, 30);
            const words = new Set(`${ticket.subject} ${ticket.body}`.toLowerCase().match(/[a-z]+/g) ?? []);
            const top = KB.map((k) => ({
              id: k.id,
              title: k.title,
              score:
                Math.round(((k.text + k.title).toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => words.has(w)).length * 10) /
                100,
            }))
              .sort((a, b) => b.score - a.score)
              .slice(0, 2);
            r.snapshot({ ticket: ticket.id, stage: 'retrieved', docs: top.map((d) => d.id) });
            return top;
          },
          { source: 'policy-kb' },
        );

        const cls = await step('classify', async (st) => {
          const { text } = await ask(`TASK:classify ${ticket.subject}. ${ticket.body}`);
          const intent = /intent=(\S+)/.exec(text)?.[1] ?? 'unknown';
          const conf = Number(/confidence=([\d.]+)/.exec(text)?.[1] ?? '0');
          st.confidence(conf);
          st.snapshot({ ticket: ticket.id, stage: 'classified', intent, confidence: conf });
          return { intent, conf };
        });

        const order = await agent('order-desk', async () => {
          for (let attempt = 1; ; attempt++) {
            const plan = await ask(
              attempt === 1 ? `TASK:lookup order=${ticket.orderId}` : `TASK:retry order=${ticket.orderId} attempt=${attempt}`,
            );
            const args = (plan.tools[0]?.input as { order_id?: string } | undefined) ?? { order_id: ticket.orderId };
            const found = await tool('orders.lookup', args, async () => {
              await toolDelay(random, timeScale, 60);
              if (scenario === 'upstream-empty') return null;
              return { order_id: ticket.orderId, status: 'delivered', total: 89.9, delivered_days_ago: 4 };
            });
            if (found !== null) {
              snapshot({ ticket: ticket.id, stage: 'order', order: found });
              return found;
            }
          }
        });

        return step('reply', async (st) => {
          const { text } = await ask(`TASK:draft intent=${cls.intent} order=${JSON.stringify(order)}`);
          const conf = Math.min(cls.conf, docs[0] ? 0.5 + docs[0].score : 0.3);
          const rounded = Math.round(conf * 100) / 100;
          st.confidence(rounded);
          if (rounded < CONFIDENCE_THRESHOLD) {
            st.escalate(`confidence ${rounded} below ${CONFIDENCE_THRESHOLD} for intent ${cls.intent}`, 'tier-2-support');
            st.snapshot({ ticket: ticket.id, stage: 'escalated', draft: text });
            return { action: 'escalated', draft: text };
          }
          if (cls.intent === 'refund_damaged')
            await tool('refunds.create', { order_id: ticket.orderId, amount: 89.9, reason: 'damaged' }, () => ({
              refund_id: 'R-5531',
              status: 'issued',
            }));
          await tool('email.send', { to: ticket.customer, ticket: ticket.id }, async () => {
            await toolDelay(random, timeScale, 25);
            return { queued: true };
          });
          st.snapshot({ ticket: ticket.id, stage: 'answered', reply: text });
          return { action: 'answered', reply: text };
        });
      },
    );
    return { sessionId, status: 'ok', usage: handle?.usage(), output };
  } catch (err) {
    return {
      sessionId,
      status: isRunStoppedError(err) ? 'stopped' : 'error',
      usage: handle?.usage(),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

runAsMain(import.meta.url, 'support-agent', [
  () => runSupportAgent({ scenario: 'refund' }),
  () => runSupportAgent({ scenario: 'ambiguous' }),
  () => runSupportAgent({ scenario: 'upstream-empty' }),
]);
