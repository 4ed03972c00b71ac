export { buildApp } from './app.js';
export type { ApiDeps } from './app.js';
export type { ApiConfig } from './config.js';
