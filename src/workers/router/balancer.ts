/**
 * Picks the upstream for the next atom: round robin over the upstreams `isAvailable` accepts. When none is,
 * the next one in turn is tried anyway: a refused connection answers 502 just as fast as a refusal would, and
 * it may have come back.
 */
export class RoundRobinBalancer {
  private next = 0;

  constructor(
    private readonly upstreamCount: number,
    private readonly isAvailable: (upstream: number) => boolean,
  ) {}

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
      const upstream = (this.next + tried) % this.upstreamCount;
      if (upstream !== excluded && this.isAvailable(upstream)) return upstream;
    }
    return -1;
  }

  private advance(): number {
    const upstream = this.next;
    this.next = upstream + 1 === this.upstreamCount ? 0 : upstream + 1;
    return upstream;
  }
}
