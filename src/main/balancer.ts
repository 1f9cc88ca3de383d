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

  private advance(): number {
    const upstream = this.next;
    this.next = upstream + 1 === this.upstreamCount ? 0 : upstream + 1;
    return upstream;
  }
}
