/** Picks the upstream for the next atom: plain round robin over the configured upstreams. */
export class RoundRobinBalancer {
  private next = 0;

  constructor(private readonly upstreamCount: number) {}

  pick(): number {
    const upstream = this.next;
    this.next = upstream + 1 === this.upstreamCount ? 0 : upstream + 1;
    return upstream;
  }
}
