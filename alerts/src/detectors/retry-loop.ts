import { repeatedToolCalls } from '@cairn/storage';
import type { Detector } from './detector.js';

/** The same tool called with the same arguments `retry_loop_repeats` times or more in a session. */
export const retryLoop: Detector = {
  type: 'anomaly.retry_loop',
  async detect({ store, projectId, settings: s, candidates }) {
    // Only sessions with enough tool calls at all can loop: the spans are read for those alone.
    const loopers = candidates.filter((c) => c.tools >= s.retry_loop_repeats);
    if (loopers.length === 0) return [];
    const rows = await repeatedToolCalls(
      store,
      projectId,
      loopers.map((c) => c.session_id),
      s.retry_loop_repeats,
    );
    const agentOf = new Map(loopers.map((c) => [c.session_id, c.agent]));
    return rows.map((r) => ({
      projectId,
      type: 'anomaly.retry_loop' as const,
      key: `anomaly.retry_loop:${r.session_id}`,
      message: `Session ${r.session_id} called tool "${r.tool_name}" ${Number(r.n)} times with the same arguments`,
      sessionId: r.session_id,
      agentName: agentOf.get(r.session_id) ?? '',
      details: { tool_name: r.tool_name, repeats: Number(r.n), tool_call_key: r.tool_call_key },
      flagSessions: [r.session_id],
    }));
  },
};
