import type { PoolIndex } from '../../pool/pool-index.js';

/**
 * Picks the upstream for the next atom: round robin over the upstreams `isAvailable` accepts, with one turn
 * shared by every thread in the pool index (so N threads do not each start at upstream 0). When none is
 * available, the next one in turn is tried anyway: a refused connection answers 502 just as fast as a refusal
 * would, and it may have come back.
 */
export class RoundRobinBalancer {
  private readonly upstreamCount: number;

  constructor(
    private readonly index: PoolIndex,
    private readonly isAvailable: (upstream: number) => boolean,
  ) {
    this.upstreamCount = index.upstreamCount;
  }

  pick(): number {
    for (let tried = 0; tried < this.upstreamCount; tried++) {
      const upstream = this.advance();
      if (this.isAvailable(upstream)) return upstream;
    }
    return this.advance();
  }

  /**
   * The next available upstream in turn other than `excluded`, -1 when there is none. Leaves the rotation
   * where it was, so retries do not skew the share each upstream gets of new atoms.
   */
  pickOther(excluded: number): number {
    for (let tried = 0; tried < this.upstreamCount; tried++) {
      const upstream = (this.index.peekTurn() + tried) % this.upstreamCount;
      if (upstream !== excluded && this.isAvailable(upstream)) return upstream;
    }
    return -1;
  }

  private advance(): number {
    return this.upstreamCount === 1 ? 0 : this.index.nextTurn() % this.upstreamCount;
  }
}
