import { CairnError, CalibrationQuery, CalibrationResponse } from '@cairn/schemas';
import { listCalibrationAgents, listStepOutcomes, parseTime } from '@cairn/storage';
import { authOf } from '../auth.js';
import { calibrationFigures, stepVerdicts } from '../calibration/index.js';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

const DAY_MS = 86_400_000;
/** Score rows read at most per request: bounds memory; far above a month of reviewed steps. */
const MAX_OUTCOME_ROWS = 200_000;

export function registerCalibrationRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/calibration',
    {
      schema: {
        tags: ['calibration'],
        summary: 'Confidence calibration of an agent: reliability diagram, ECE, recommended threshold, judge agreement',
        description:
          'Steps that reported a confidence (0..1) and carry at least one verdict score: a review decision or label ' +
          '(source `review` / `human`), an LLM-as-judge score (source `eval`) or any other score. Boolean true, a ' +
          'number >= 0.5 in [0, 1], or a label such as `correct` / `approve` is correct; `incorrect` / `reject` / `edit` ' +
          'is not; other scores are ignored. The human verdict wins over a judge. The recommended threshold is the ' +
          'lowest observed confidence t such that steps with confidence >= t have an error rate <= `target`.',
        querystring: CalibrationQuery,
        response: { 200: CalibrationResponse, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const { projectId } = authOf(request);
      const toMs = q.to === undefined ? Date.now() : parseTime(q.to, 'to');
      const fromMs = q.from === undefined ? Math.max(0, toMs - 30 * DAY_MS) : parseTime(q.from, 'from');
      if (fromMs >= toMs) throw new CairnError('CAIRN_BAD_REQUEST', 'from must be before to');
      const target = q.target ?? 0.05;
      const range = { projectId, fromMs, toMs };
      const rows = await listStepOutcomes(store, { ...range, agent: q.agent, limit: MAX_OUTCOME_ROWS });
      const agents = await listCalibrationAgents(store, range);
      return {
        agent: q.agent ?? null,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        target,
        agents,
        ...calibrationFigures(stepVerdicts(rows), target),
      };
    },
  );
}
