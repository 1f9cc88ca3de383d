import { ServerState, Upstream, type PoolIndex } from '../../pool/pool-index.js';

/** ATOM_BALANCE: how the next atom's upstream is chosen among those health lets through. */
export const BALANCE_METHODS = ['round-robin', 'least-conn', 'p2c', 'random'] as const;
export type BalanceMethod = (typeof BALANCE_METHODS)[number];

/**
 * Picks the upstream for each atom with the configured method, weighted by ATOM_UPSTREAM_WEIGHTS, over the
 * upstreams `isAvailable` accepts. Everything it reads is in the pool index, so every thread balances over the
 * same facts: one round-robin turn for all threads (N threads do not each start at upstream 0), and for
 * least-conn and p2c the atoms in flight to each upstream from every thread (queued ones included).
 * When none is available, the next one in turn that has an address is tried anyway: a refused connection
 * answers 502 just as fast as a refusal would, and it may have come back. With no address at all (DNS has
 * named none yet), -1.
 */
export class Balancer {
  private readonly upstreamCount: number;
  /** Round robin's order: each upstream as often as its weight, spread out (nginx's smooth weighted round robin). */
  private readonly schedule: number[];

  constructor(
    private readonly method: BalanceMethod,
    private readonly weights: readonly number[],
    private readonly index: PoolIndex,
    private readonly isAvailable: (upstream: number) => boolean,
  ) {
    this.upstreamCount = index.upstreamCount;
    this.schedule = smoothSchedule(weights);
  }

  pick(): number {
    if (this.upstreamCount === 1) return this.hasAddress(0) ? 0 : -1;
    // One turn per atom, then a look along the schedule from there: other threads move the turn meanwhile.
    const turn = this.index.nextTurn();
    if (this.method === 'round-robin') {
      const upstream = this.along(turn, this.isAvailable);
      if (upstream >= 0) return upstream;
    } else {
      const candidates = this.available(-1);
      if (candidates.length > 0) return this.choose(candidates, turn);
    }
    return this.along(turn, (upstream) => this.hasAddress(upstream));
  }

  /** The first upstream along the schedule from `turn` that `accepts`, -1 when none does. */
  private along(turn: number, accepts: (upstream: number) => boolean): number {
    for (let tried = 0; tried < this.schedule.length; tried++) {
      const upstream = this.schedule[(turn + tried) % this.schedule.length]!;
      if (accepts(upstream)) return upstream;
    }
    return -1;
  }

  private hasAddress(upstream: number): boolean {
    return this.index.total(upstream, Upstream.STATE) === ServerState.ACTIVE;
  }

  /**
   * The best available upstream other than `excluded` by the same method, -1 when there is none. Leaves the
   * round-robin turn where it was, so retries do not skew the share each upstream gets of new atoms.
   */
  pickOther(excluded: number): number {
    if (this.method === 'round-robin') return this.along(this.index.peekTurn(), (upstream) => upstream !== excluded && this.isAvailable(upstream));
    const candidates = this.available(excluded);
    return candidates.length === 0 ? -1 : this.choose(candidates, this.index.peekTurn());
  }

  private available(excluded: number): number[] {
    const candidates: number[] = [];
    for (let upstream = 0; upstream < this.upstreamCount; upstream++) {
      if (upstream !== excluded && this.isAvailable(upstream)) candidates.push(upstream);
    }
    return candidates;
  }

  private choose(candidates: number[], turn: number): number {
    switch (this.method) {
      case 'random':
        return this.weightedRandom(candidates, -1);
      case 'p2c': {
        if (candidates.length === 1) return candidates[0]!;
        const first = this.weightedRandom(candidates, -1);
        const second = this.weightedRandom(candidates, first);
        return this.load(second) < this.load(first) ? second : first;
      }
      default:
        return this.leastLoaded(candidates, turn);
    }
  }

  /** HAProxy's leastconn: the fewest atoms in flight per unit of weight; ties go round, from the shared turn. */
  private leastLoaded(candidates: number[], turn: number): number {
    const start = turn % candidates.length;
    let best = candidates[start]!;
    for (let tried = 1; tried < candidates.length; tried++) {
      const upstream = candidates[(start + tried) % candidates.length]!;
      if (this.load(upstream) < this.load(best)) best = upstream;
    }
    return best;
  }

  /** Atoms in flight to `upstream` from every thread, the next one included, per unit of weight. */
  private load(upstream: number): number {
    return (this.index.total(upstream, Upstream.IN_FLIGHT) + 1) / this.weights[upstream]!;
  }

  /** A candidate other than `excluded`, each with a chance in proportion to its weight. */
  private weightedRandom(candidates: number[], excluded: number): number {
    let total = 0;
    for (const upstream of candidates) if (upstream !== excluded) total += this.weights[upstream]!;
    let point = Math.random() * total;
    let chosen = -1;
    for (const upstream of candidates) {
      if (upstream === excluded) continue;
      chosen = upstream;
      point -= this.weights[upstream]!;
      if (point < 0) break;
    }
    return chosen;
  }

}

/**
 * nginx's smooth weighted round robin, unrolled once: each step every upstream gains its weight, the one with the
 * most is chosen and loses the total. Weights 5, 1, 1 give a a b a c a a rather than a a a a a b c.
 */
export function smoothSchedule(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const current = weights.map(() => 0);
  const schedule: number[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let upstream = 0; upstream < weights.length; upstream++) {
      current[upstream]! += weights[upstream]!;
      if (current[upstream]! > current[best]!) best = upstream;
    }
    current[best]! -= total;
    schedule.push(best);
  }
  return schedule;
}
