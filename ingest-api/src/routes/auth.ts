import { CairnError, LoginBody, MeResponse, OkResponse, ErrorResponse } from '@cairn/schemas';
import type { FastifyRequest } from 'fastify';
import { getProjectName, type Store } from '@cairn/storage';
import { SESSION_COOKIE, authOf, type AuthContext } from '../auth.js';
import { publicOtlpEndpoint } from '../otlp-endpoint.js';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

/** Where this API's collector is, for the dashboard's snippets. */
export interface MeOptions {
  otlpEndpoint: string | undefined;
}

async function me(store: Store, ctx: AuthContext, request: FastifyRequest, opts: MeOptions): Promise<MeResponse> {
  return {
    project_id: ctx.projectId,
    project_name: await getProjectName(store, ctx.projectId),
    key_id: ctx.keyId,
    key_prefix: ctx.keyPrefix,
    via: ctx.via,
    otlp_endpoint: publicOtlpEndpoint(opts.otlpEndpoint, request),
  };
}

const cookieOptions = (request: FastifyRequest) => ({
  httpOnly: true,
  sameSite: 'strict' as const,
  path: '/',
  secure: request.protocol === 'https',
});

/** Dashboard sign-in: an admin key is exchanged for an httpOnly cookie holding an opaque token. */
export function registerAuthRoutes(app: ApiInstance, { store, auth }: RouteContext, opts: MeOptions): void {
  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with an admin key; sets the httpOnly `cairn_session` cookie',
        description: `The cookie authenticates every admin route like the key would, for ${Math.round(auth.sessionTtlMs / 3_600_000)} hours or until sign-out or revocation of the key.`,
        body: LoginBody,
        response: { 200: MeResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      const ctx = await auth.resolveKey(request.body.key);
      if (!ctx) throw new CairnError('CAIRN_UNAUTHORIZED', 'unknown or revoked key');
      if (ctx.kind !== 'admin')
        throw new CairnError('CAIRN_FORBIDDEN', 'sign in with an admin key (cairn_ak_…); ingest keys can only send telemetry');
      const { token, expiresAt } = await auth.createSession(ctx);
      void reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(request), expires: expiresAt });
      return me(store, { ...ctx, via: 'cookie' }, request, opts);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: { tags: ['auth'], summary: 'Sign out: ends the sign-in and clears the cookie', response: { 200: OkResponse } },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await auth.endSession(token);
      void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
      return { ok: true as const };
    },
  );
}

/** `GET /api/auth/me`: registered in the admin scope (bearer admin key or sign-in cookie). */
export function registerMeRoute(admin: ApiInstance, { store }: RouteContext, opts: MeOptions): void {
  admin.get(
    '/api/auth/me',
    {
      schema: { tags: ['auth'], summary: 'The project and key of the caller', response: { 200: MeResponse, ...AUTH_ERRORS } },
    },
    async (request) => me(store, authOf(request), request, opts),
  );
}
