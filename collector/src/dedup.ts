/**
 * Remembers recently accepted span keys so that an exporter retry of the same request (the
 * client timed out after we had accepted it) is not counted twice in the rollups. Two
 * generations of a Set bound memory: when the current one fills, the older is dropped.
 * Raw rows are also deduplicated at read time and on merge; this guards the rollups.
 * Scope: one collector process. Several collectors behind a load balancer each keep their own.
 */
export class RecentKeys {
  private current = new Set<string>();
  private previous = new Set<string>();
  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  add(key: string): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Set<string>();
    }
    this.current.add(key);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
