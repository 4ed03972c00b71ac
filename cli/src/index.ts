export { loadConfig } from './config.js';
export type { CairnConfig } from './config.js';
export { startCairn } from './run.js';
export type { CairnRuntime, StartOptions, Role } from './run.js';
export { bootstrapDefaultProject } from './bootstrap.js';
export type { BootstrapResult } from './bootstrap.js';
