import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HealthResponse } from '@cairn/schemas';
import type { KeyResolver, Store } from '@cairn/storage';
import { Authenticator, SESSION_COOKIE } from './auth.js';
import type { ApiConfig } from './config.js';
import { installErrorHandler, sendFrameworkError } from './errors.js';
import { installInputGuard } from './input-guard.js';
import { registerAuthRoutes, registerMeRoute } from './routes/auth.js';
import { registerCostRoutes } from './routes/costs.js';
import { registerCostModelRoutes } from './routes/cost-model.js';
import { registerDeadLetterRoutes } from './routes/dead-letters.js';
import { registerExportRoutes } from './routes/exports.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerPriceRoutes } from './routes/prices.js';
import { registerScoreRoutes } from './routes/scores.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerBudgetRoutes } from './routes/budgets.js';
import { registerCalibrationRoutes } from './routes/calibration.js';
import { registerEscalationRoutes } from './routes/escalations.js';
import { registerGuardRoutes } from './routes/guard.js';
import { registerReviewRoutes } from './routes/reviews.js';
import { ThresholdCache } from './reviews/threshold-cache.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { EarlyAnswers } from './early-answers.js';
import { scopedServer } from './client-gone.js';
import type { ApiInstance, RouteContext } from './types.js';

export interface ApiDeps {
  store: Store;
  /** The process's key resolver (the CLI shares the collector's); one is made when absent. */
  resolveKey?: KeyResolver;
  /** Where the log goes (default stdout); tests capture it to check redaction. */
  logStream?: NodeJS.WritableStream;
}

export const API_VERSION = '0.1.0';

/** Builds the API app (not listening). Tests use `app.inject()`; the CLI calls `listen`. */
export async function buildApp(config: ApiConfig, deps: ApiDeps): Promise<FastifyInstance> {
  const app: ApiInstance = Fastify({
    logger: {
      level: config.logLevel,
      // Keys and sign-in tokens never reach the log, whatever a serializer or a debug line includes.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          'headers.authorization',
          'headers.cookie',
        ],
        censor: '[redacted]',
      },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    bodyLimit: config.maxBodyBytes,
    // Session ids may be up to 512 characters (schemas say so): the router's default of 100
    // would answer 414 before validation could give a clear 400.
    routerOptions: { maxParamLength: 2048 },
    // Unknown query parameters and body fields are errors (a typo in a filter must not silently
    // widen a query), so additionalProperties: false must reject, not strip.
    ajv: { customOptions: { removeAdditional: false, allowUnionTypes: true } },
    frameworkErrors: sendFrameworkError,
    // Requests whose client leaves abandon their queued read statements (client-gone.ts).
    serverFactory: scopedServer,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const dashboardDir = config.dashboardDir ? resolve(config.dashboardDir) : undefined;
  const serveDashboard = dashboardDir !== undefined && existsSync(resolve(dashboardDir, 'index.html'));
  const auth = new Authenticator(
    deps.store,
    config.authCacheTtlMs ?? 5000,
    config.authSessionTtlMs ?? 12 * 3_600_000,
    deps.resolveKey,
  );
  // The API requests index.html's inline script will make, started while the page is served.
  const early = serveDashboard ? new EarlyAnswers(app, auth) : undefined;
  installErrorHandler(app, (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // Client-side routes of the dashboard (/sessions/abc) get its index.html.
    if (serveDashboard && request.method === 'GET' && !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path)) {
      early?.start(request);
      return reply.type('text/html').sendFile('index.html');
    }
    return undefined;
  });
  installInputGuard(app);
  await app.register(cookie);
  // After the cookie plugin's own hook: it reads the parsed cookie.
  if (early) app.addHook('onRequest', early.hook);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Cairn API',
        version: API_VERSION,
        description:
          'Read and configure one Cairn project. Authenticate with `Authorization: Bearer <admin key>` or the ' +
          '`cairn_session` cookie from `POST /api/auth/login`. Ingest keys may only send telemetry (and call /api/guard). ' +
          'Errors are `{ "error": { "code", "message" } }`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An admin key (cairn_ak_…).' },
          cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/healthz',
    { schema: { tags: ['meta'], summary: 'Liveness and storage mode', security: [], response: { 200: HealthResponse } } },
    async () => ({ status: 'ok' as const, version: API_VERSION, storage: config.storageMode }),
  );

  const ctx: RouteContext = { store: deps.store, auth };
  const meOptions = { otlpEndpoint: config.otlpEndpoint };
  const thresholds = new ThresholdCache(deps.store);
  registerAuthRoutes(app, ctx, meOptions);
  await app.register(async (admin: ApiInstance) => {
    admin.addHook('onRequest', auth.require(['admin']));
    registerMeRoute(admin, ctx, meOptions);
    registerSessionRoutes(admin, ctx);
    registerExportRoutes(admin, ctx);
    registerCostRoutes(admin, ctx);
    registerCostModelRoutes(admin, ctx);
    registerPriceRoutes(admin);
    registerScoreRoutes(admin, ctx);
    registerKeyRoutes(admin, ctx);
    registerBudgetRoutes(admin, ctx);
    registerWebhookRoutes(admin, ctx, { allowPrivate: config.webhookAllowPrivate });
    registerAlertRoutes(admin, ctx);
    registerDeadLetterRoutes(admin, ctx);
    registerCalibrationRoutes(admin, ctx);
    registerReviewRoutes(admin, ctx, { thresholds });
  });
  await registerGuardRoutes(app, ctx);
  await registerEscalationRoutes(app, ctx, { thresholds });

  if (serveDashboard && dashboardDir !== undefined) {
    const hashedDir = join(dashboardDir, 'assets') + sep;
    await app.register(fastifyStatic, {
      root: dashboardDir,
      prefix: '/',
      wildcard: false,
      index: 'index.html',
      // Vite names every file under assets/ by its content hash: a browser may keep them for good
      // instead of asking again on each page load (a round trip before the bundle may run);
      // index.html keeps max-age=0, so a new build is picked up on the next load.
      setHeaders: (reply, path) => {
        if (path.startsWith(hashedDir)) reply.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
  }
  return app;
}
