/**
 * The shared upstream pool index: one Int32Array over a SharedArrayBuffer that every thread reads and writes
 * with Atomics, never under a lock. Layout (docs/pool.md): one cell per (upstream, worker slot) holding the
 * Cell counters, then one record per upstream holding the Upstream counters. Writers:
 * - the worker owning a slot writes its cell's connection counters and adds to its upstream's totals;
 * - the acceptor writes ASSIGNED and REPLAYS, IN_FLIGHT and DOWN;
 * - any worker writes CONNECT_FAILURES (one failed connection attempt: +1, one success: reset to 0).
 * Nothing here imports HTTP: it only counts.
 */
export const Cell = {
  /** Open connections of this worker to this upstream that carry no request. */
  IDLE: 0,
  /** Open connections carrying a request (or still being let go of after a cancel). */
  BUSY: 1,
  /** Connections being opened for an atom (TCP connect in progress). */
  CONNECTING: 2,
  /** Connections being opened that no atom holds yet (the warm pool, or an atom cancelled meanwhile). */
  WARMING: 3,
  /** Connections this worker ever opened (connect succeeded). */
  OPENED: 4,
  /** Open connections this worker saw close, for any reason. */
  CLOSED: 5,
  /** Requests this worker sent to this upstream. */
  REQUESTS: 6,
  /** Of those, requests sent on a connection that was already open (no connect paid for them). */
  REUSED: 7,
  /** Atoms that failed on this worker and were sent again (see src/main/replay-policy.ts). */
  REPLAYS: 8,
  /** Atoms the acceptor routed to this worker for this upstream that have not finished. */
  ASSIGNED: 9,
} as const;
export type CellName = keyof typeof Cell;
const CELL_SIZE = 10;

export const Upstream = {
  /** Connections open or opening to this upstream, over all workers (what ATOM_UPSTREAM_MAX_CONNS caps). */
  CONNECTIONS: 0,
  /** Of those, idle ones (what ATOM_UPSTREAM_MAX_IDLE caps). */
  IDLE: 1,
  OPENED: 2,
  CLOSED: 3,
  REQUESTS: 4,
  REUSED: 5,
  REPLAYS: 6,
  /** Atoms sent to this upstream that have not finished, queued ones included. */
  IN_FLIGHT: 7,
  /** Connection attempts to this upstream that failed in a row, over all workers. */
  CONNECT_FAILURES: 8,
  /** 1 while the balancer skips this upstream. */
  DOWN: 9,
} as const;
const UPSTREAM_SIZE = 10;

/**
 * The cell counters that also have an upstream total, kept in step by `count`. IDLE is not among them: its
 * total is reserved against ATOM_UPSTREAM_MAX_IDLE (`reserveTotal`) before a connection may become idle.
 */
const TOTAL_OF: ReadonlyArray<number | undefined> = (() => {
  const totals: Array<number | undefined> = new Array(CELL_SIZE).fill(undefined);
  totals[Cell.OPENED] = Upstream.OPENED;
  totals[Cell.CLOSED] = Upstream.CLOSED;
  totals[Cell.REQUESTS] = Upstream.REQUESTS;
  totals[Cell.REUSED] = Upstream.REUSED;
  totals[Cell.REPLAYS] = Upstream.REPLAYS;
  return totals;
})();

export class PoolIndex {
  private readonly cells: Int32Array;
  /** Where the per-upstream records start, after all the cells. */
  private readonly upstreamStart: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly upstreamCount: number,
    readonly workerSlots: number,
  ) {
    this.cells = new Int32Array(buffer);
    if (this.cells.length !== PoolIndex.length(upstreamCount, workerSlots)) {
      throw new RangeError('pool index buffer does not match its dimensions');
    }
    this.upstreamStart = upstreamCount * workerSlots * CELL_SIZE;
  }

  private static length(upstreamCount: number, workerSlots: number): number {
    return upstreamCount * (workerSlots * CELL_SIZE + UPSTREAM_SIZE);
  }

  static create(upstreamCount: number, workerSlots: number): PoolIndex {
    const bytes = PoolIndex.length(upstreamCount, workerSlots) * Int32Array.BYTES_PER_ELEMENT;
    return new PoolIndex(new SharedArrayBuffer(bytes), upstreamCount, workerSlots);
  }

  private at(upstream: number, slot: number, field: number): number {
    return (upstream * this.workerSlots + slot) * CELL_SIZE + field;
  }

  private totalAt(upstream: number, field: number): number {
    return this.upstreamStart + upstream * UPSTREAM_SIZE + field;
  }

  get(upstream: number, slot: number, field: number): number {
    return Atomics.load(this.cells, this.at(upstream, slot, field));
  }

  /** Adds to one cell counter and, if it has one, to the upstream's total of it. */
  count(upstream: number, slot: number, field: number, delta: number): void {
    Atomics.add(this.cells, this.at(upstream, slot, field), delta);
    const total = TOTAL_OF[field];
    if (total !== undefined) Atomics.add(this.cells, this.totalAt(upstream, total), delta);
  }

  total(upstream: number, field: number): number {
    return Atomics.load(this.cells, this.totalAt(upstream, field));
  }

  addTotal(upstream: number, field: number, delta: number): void {
    Atomics.add(this.cells, this.totalAt(upstream, field), delta);
  }

  setTotal(upstream: number, field: number, value: number): void {
    Atomics.store(this.cells, this.totalAt(upstream, field), value);
  }

  /**
   * Adds 1 to an upstream total unless that would pass `limit` (0: no limit); false when it would. A
   * compare-and-swap loop, so threads racing for the last place cannot both get it.
   */
  reserveTotal(upstream: number, field: number, limit: number): boolean {
    const at = this.totalAt(upstream, field);
    for (;;) {
      const current = Atomics.load(this.cells, at);
      if (limit > 0 && current >= limit) return false;
      if (Atomics.compareExchange(this.cells, at, current, current + 1) === current) return true;
    }
  }

  /** Connections any worker holds busy right now, over all upstreams. */
  busyTotal(): number {
    let busy = 0;
    for (let upstream = 0; upstream < this.upstreamCount; upstream++) {
      for (let slot = 0; slot < this.workerSlots; slot++) busy += this.get(upstream, slot, Cell.BUSY);
    }
    return busy;
  }

  /**
   * A worker died: its connections closed with it. Its history (opened, requests...) stays. Called before the
   * replacement thread is attached to the slot, so nothing else writes these cells meanwhile.
   */
  forgetSlot(slot: number): void {
    for (let upstream = 0; upstream < this.upstreamCount; upstream++) {
      const idle = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.IDLE), 0);
      const busy = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.BUSY), 0);
      const connecting = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.CONNECTING), 0);
      const warming = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.WARMING), 0);
      this.addTotal(upstream, Upstream.IDLE, -idle);
      this.addTotal(upstream, Upstream.CONNECTIONS, -(idle + busy + connecting + warming));
      this.count(upstream, slot, Cell.CLOSED, idle + busy);
    }
  }
}
