import { api } from '../../api/client';
import type { StepDetailResponse } from '../../api/types';

/**
 * Big payloads are fetched one step at a time and kept in a small LRU, so stepping back and
 * forth is instant and playing prefetches the next step without holding a whole session.
 */
const MAX = 200;
const cache = new Map<string, Promise<StepDetailResponse>>();

export function loadStep(sessionId: string, spanId: string): Promise<StepDetailResponse> {
  const key = `${sessionId}\u0000${spanId}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const p = api<StepDetailResponse>(`/api/sessions/${encodeURIComponent(sessionId)}/steps/${encodeURIComponent(spanId)}`);
  p.catch(() => cache.delete(key)); // failures are retried on the next visit
  cache.set(key, p);
  if (cache.size > MAX) cache.delete(cache.keys().next().value!);
  return p;
}
