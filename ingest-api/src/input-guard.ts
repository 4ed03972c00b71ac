import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CairnError } from '@cairn/schemas';

/**
 * Values the schemas cannot express that must never reach a query or the store:
 * - non-finite numbers: `?limit=Infinity` or `1e400` coerce to Infinity and pass a `maximum`
 *   check, and JSON.parse turns `1e400` in a body into Infinity (which validation would then
 *   coerce to the string "Infinity" where a field also takes strings);
 * - lone UTF-16 surrogates (`"\ud800"` in a JSON body): they have no UTF-8 form, so ClickHouse
 *   would store replacement bytes or refuse the value.
 * The body is checked as parsed, before validation coerces it; query and params after validation,
 * once numbers have been coerced from their strings.
 */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => reject('body', request.body));
  app.addHook('preHandler', async (request: FastifyRequest) => {
    reject('querystring', request.query);
    reject('params', request.params);
  });
}

function reject(part: string, value: unknown): void {
  const problem = findHostileValue(value);
  if (problem) throw new CairnError('CAIRN_BAD_REQUEST', `${part}${problem.path} ${problem.reason}`);
}

/** With the u flag paired surrogates are one code point, so only a lone one is in category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

export interface HostileValue {
  /** JSON-pointer-like path of the value, e.g. `/steps/3/name`. */
  path: string;
  reason: string;
}

/**
 * The first non-finite number or ill-formed string (in keys too) in a parsed value, or undefined.
 * Iterative: a deeply nested JSON body must not overflow the stack here.
 */
export function findHostileValue(root: unknown): HostileValue | undefined {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { path, reason: 'must be a finite number' };
    } else if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return { path, reason: 'contains a lone UTF-16 surrogate (not valid Unicode)' };
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push([value[i], `${path}/${i}`]);
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (LONE_SURROGATE.test(k)) return { path, reason: 'has a key with a lone UTF-16 surrogate (not valid Unicode)' };
        stack.push([v, `${path}/${k.slice(0, 64)}`]);
      }
    }
  }
  return undefined;
}
