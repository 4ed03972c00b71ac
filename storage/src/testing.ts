/**
 * `@cairn/storage/testing`: raw SQL on a store, for tests and bench/ only — to set up rows no
 * API writes (a fired alert, a flag) and to check what landed. ESLint forbids importing this
 * subpath in any package's src: code runs SQL through storage's typed functions.
 */
export { rawSql } from './store.js';
export type { RawSql, QueryParams } from './store.js';
