import { CairnError, ScoreBody, ScoreResponse } from '@cairn/schemas';
import { authOf } from '../auth.js';
import { insertScore, sessionHasSpan } from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS_404 } from './common.js';

export function registerScoreRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.post(
    '/api/scores',
    {
      schema: {
        tags: ['scores'],
        summary: 'Record human feedback or an evaluation score on a session or a step',
        description:
          'A number is a numeric score, a string a categorical label, a boolean a pass/fail. Scores are append-only and ' +
          'are returned with the session (`GET /api/sessions/{id}`, exports). The session (and the step, when given) ' +
          "must exist in the caller's project.",
        body: ScoreBody,
        response: { 201: ScoreResponse, ...AUTH_ERRORS_404 },
      },
    },
    async (request, reply) => {
      const { projectId } = authOf(request);
      const body = request.body;
      if (typeof body.value === 'number' && !Number.isFinite(body.value)) {
        throw new CairnError('CAIRN_BAD_REQUEST', 'body/value must be a finite number');
      }
      if (!(await sessionHasSpan(store, projectId, body.session_id, body.span_id))) {
        throw new CairnError(
          'CAIRN_NOT_FOUND',
          body.span_id === undefined
            ? `no session "${body.session_id}" in this project`
            : `no step "${body.span_id}" in session "${body.session_id}" of this project`,
        );
      }
      const score = await insertScore(store, projectId, body);
      return reply.status(201).send({ score });
    },
  );
}
