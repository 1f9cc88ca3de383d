import { Upstream, type PoolIndex } from './pool-index.js';

/**
 * Passive health, as nginx's max_fails / fail_timeout: after `maxFails` connection attempts to an upstream
 * failed in a row (counted by every worker in the shared index), the balancer skips it for `failTimeoutMs`;
 * then traffic tries it again, and the next run of failures takes it out again. `maxFails` 0 turns it off.
 * Decided lazily when the balancer asks, so no timer runs.
 */
export class UpstreamHealth {
  private readonly downUntil: number[];

  constructor(
    private readonly index: PoolIndex,
    private readonly maxFails: number,
    private readonly failTimeoutMs: number,
    private readonly onDown: (upstream: number, failures: number) => void,
  ) {
    this.downUntil = new Array<number>(index.upstreamCount).fill(0);
  }

  readonly isAvailable = (upstream: number): boolean => {
    const now = performance.now();
    if (this.index.total(upstream, Upstream.DOWN) === 1) {
      if (now < this.downUntil[upstream]!) return false;
      this.index.setTotal(upstream, Upstream.CONNECT_FAILURES, 0);
      this.index.setTotal(upstream, Upstream.DOWN, 0);
      return true;
    }
    const failures = this.index.total(upstream, Upstream.CONNECT_FAILURES);
    if (this.maxFails === 0 || failures < this.maxFails) return true;
    this.index.setTotal(upstream, Upstream.DOWN, 1);
    this.downUntil[upstream] = now + this.failTimeoutMs;
    this.onDown(upstream, failures);
    return false;
  };
}
