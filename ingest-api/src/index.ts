export { buildApp, API_VERSION } from './app.js';
export type { ApiDeps } from './app.js';
export type { ApiConfig } from './config.js';
export { Authenticator, authOf, SESSION_COOKIE } from './auth.js';
export type { AuthContext } from './auth.js';
export type { ApiInstance, RouteContext } from './types.js';
