import { ServerState, Upstream, type PoolIndex } from './pool-index.js';

/**
 * Passive health, as nginx's max_fails / fail_timeout: after `maxFails` connection attempts to an upstream
 * failed in a row (counted by every thread in the shared index), every thread's balancer skips it for
 * `failTimeoutMs`; then traffic tries it again, and the next run of failures takes it out again. `maxFails` 0
 * turns it off. Decided lazily when a balancer asks, so no timer runs; the deadline lives in the index, and the
 * thread whose compare-and-swap marks the upstream down (or back up) is the one that logs and resets.
 * A server without an address to use (ServerState), or that failed its active health checks
 * (src/main/health-checks.ts), is out whatever passive health says.
 */
export class UpstreamHealth {
  constructor(
    private readonly index: PoolIndex,
    private readonly maxFails: number,
    private readonly failTimeoutMs: number,
    private readonly onDown: (upstream: number, failures: number) => void,
  ) {}

  readonly isAvailable = (upstream: number): boolean => {
    const { index } = this;
    if (index.total(upstream, Upstream.STATE) !== ServerState.ACTIVE || index.total(upstream, Upstream.CHECK_FAILED) === 1) return false;
    if (index.total(upstream, Upstream.DOWN) === 1) {
      if (Date.now() < index.downUntilMs(upstream)) return false;
      if (index.swapTotal(upstream, Upstream.DOWN, 1, 0)) index.setTotal(upstream, Upstream.CONNECT_FAILURES, 0);
      return true;
    }
    const failures = index.total(upstream, Upstream.CONNECT_FAILURES);
    if (this.maxFails === 0 || failures < this.maxFails) return true;
    // The deadline is written before DOWN turns 1, so no thread reads DOWN as 1 with an old deadline.
    const until = Date.now() + this.failTimeoutMs;
    if (index.total(upstream, Upstream.DOWN) === 0) {
      index.setDownUntil(upstream, until);
      if (index.swapTotal(upstream, Upstream.DOWN, 0, 1)) this.onDown(upstream, failures);
    }
    return false;
  };
}
