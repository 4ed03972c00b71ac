import { listThresholds, outsideAbortScope, type Store, type ThresholdRecord } from '@cairn/storage';

/**
 * Trust thresholds per project, reused for a few seconds: SDKs ask before steps. A change
 * through this process's API clears its project at once; other processes see it within `ttlMs`.
 */
export class ThresholdCache {
  private readonly cache = new Map<string, { expires: number; value: Promise<ThresholdRecord[]> }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 2000,
  ) {}

  get(projectId: string): Promise<ThresholdRecord[]> {
    const now = Date.now();
    const hit = this.cache.get(projectId);
    if (hit && hit.expires > now) return hit.value;
    // Shared by the requests of the next seconds: not cancelled with the one that asked first.
    const value = outsideAbortScope(() => listThresholds(this.store, projectId));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(projectId, { expires: now + this.ttlMs, value });
    value.catch(() => this.cache.delete(projectId));
    return value;
  }

  invalidate(projectId: string): void {
    this.cache.delete(projectId);
  }
}
