/**
 * The shared upstream pool index: typed arrays over one SharedArrayBuffer that every thread reads and writes
 * with Atomics. Layout (docs/pool.md):
 * - one cell per (upstream, worker slot) holding the Cell counters: what that thread's connections are doing;
 * - one record per upstream holding the Upstream counters, its route lock and its wake word;
 * - per (router slot, upstream, executor slot) the atoms one thread routed to another (`assignedBy`), and per
 *   (router slot, upstream) its share of IN_FLIGHT and QUEUED, so what a dead router left behind can be taken off;
 * - one record per worker slot (Thread) and a global round-robin turn;
 * - a Float64 per upstream: until when passive health keeps it out of rotation (Date.now() milliseconds, which
 *   all threads share; performance.now() differs per thread).
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
  /** Atoms that failed on this worker and were sent again (see src/workers/router/replay-policy.ts). */
  REPLAYS: 8,
  /** Atoms any router sent to this worker for this upstream that have not finished. */
  ASSIGNED: 9,
  /**
   * Open connections bound to one client connection (an NTLM or Negotiate handshake): they serve no other
   * client, count against ATOM_UPSTREAM_MAX_CONNS, and are never idle for anyone.
   */
  PINNED: 10,
} as const;
export type CellName = keyof typeof Cell;
const CELL_SIZE = 11;

export const Upstream = {
  /** Connections open or opening to this upstream, over all workers. */
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
  /** Atoms waiting in any thread's queue for this upstream (what ATOM_QUEUE_MAX caps). */
  QUEUED: 10,
  /** Bumped, with Atomics.notify, whenever a connection place may have come free while atoms wait. */
  WAKE: 11,
  /** 0 when free, else 1 + the slot of the thread holding it: routing decisions for this upstream take it. */
  ROUTE_LOCK: 12,
  /** 1 while active health checks (ATOM_HEALTH_CHECK_PATH) keep the upstream out of rotation. */
  CHECK_FAILED: 13,
  /** Whether the server has an address to send atoms to: one of the ServerState values. */
  STATE: 14,
} as const;
const UPSTREAM_SIZE = 15;

/**
 * A server's address state (Upstream.STATE). A server at a fixed address is ACTIVE from the start; a DNS slot is
 * EMPTY until an answer fills it, ACTIVE once every thread has a pool for its address, DRAINING once DNS stopped
 * naming it: no new atoms, its busy connections finish, then it is EMPTY again (src/main/server-discovery.ts).
 */
export const ServerState = { EMPTY: 0, ACTIVE: 1, DRAINING: 2 } as const;

export const Thread = {
  /** 1 while the thread runs and other threads may send it atoms. */
  REACHABLE: 0,
  /** Its Linux thread id, for per-thread CPU figures (/proc/<pid>/task/<tid>). */
  TID: 1,
  /** 1 while it accepts client connections. */
  ACCEPTING: 2,
  /** Atoms its acceptor opened. */
  ATOMS: 3,
  /** Of those, atoms it sent to another thread's connection (a hop). */
  HOPS: 4,
  /** Its event loop's delay over the last second, in microseconds: the 99th percentile and the largest. */
  LOOP_DELAY_P99_US: 5,
  LOOP_DELAY_MAX_US: 6,
} as const;
const THREAD_SIZE = 7;

/** The upstream totals each router also keeps its own share of, so a dead router's share can be taken off. */
const ROUTED_TOTALS = [Upstream.IN_FLIGHT, Upstream.QUEUED] as const;

/** Atomics.waitAsync (Node 16+), which TypeScript's ES2022 library does not declare. */
interface AtomicsWithWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** Spins this many times on a taken lock before it sleeps for a moment (worker threads only). */
const SPINS_BEFORE_SLEEP = 64;

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

/** Int32 positions of each region, and the byte offset of the Float64 region after them. */
function layout(upstreamCount: number, workerSlots: number) {
  const cells = 0;
  const upstreams = cells + upstreamCount * workerSlots * CELL_SIZE;
  const assignedBy = upstreams + upstreamCount * UPSTREAM_SIZE;
  const routed = assignedBy + workerSlots * upstreamCount * workerSlots;
  const threads = routed + workerSlots * upstreamCount * ROUTED_TOTALS.length;
  const turn = threads + workerSlots * THREAD_SIZE;
  const int32Length = turn + 1;
  const downUntilByte = Math.ceil((int32Length * 4) / 8) * 8;
  return { upstreams, assignedBy, routed, threads, turn, int32Length, downUntilByte, bytes: downUntilByte + upstreamCount * 8 };
}

export class PoolIndex {
  private readonly cells: Int32Array;
  private readonly downUntil: Float64Array;
  private readonly at0: ReturnType<typeof layout>;

  /** `canSleep`: Atomics.wait is allowed here (worker threads, not the main thread). */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly upstreamCount: number,
    readonly workerSlots: number,
    private readonly canSleep = false,
  ) {
    this.at0 = layout(upstreamCount, workerSlots);
    if (buffer.byteLength !== this.at0.bytes) throw new RangeError('pool index buffer does not match its dimensions');
    this.cells = new Int32Array(buffer, 0, this.at0.int32Length);
    this.downUntil = new Float64Array(buffer, this.at0.downUntilByte, upstreamCount);
  }

  /** Every server starts ACTIVE, as one at a fixed address is; ServerDiscovery empties the DNS slots. */
  static create(upstreamCount: number, workerSlots: number): PoolIndex {
    const index = new PoolIndex(new SharedArrayBuffer(layout(upstreamCount, workerSlots).bytes), upstreamCount, workerSlots);
    for (let upstream = 0; upstream < upstreamCount; upstream++) index.setTotal(upstream, Upstream.STATE, ServerState.ACTIVE);
    return index;
  }

  private at(upstream: number, slot: number, field: number): number {
    return (upstream * this.workerSlots + slot) * CELL_SIZE + field;
  }

  private totalAt(upstream: number, field: number): number {
    return this.at0.upstreams + upstream * UPSTREAM_SIZE + field;
  }

  private assignedByAt(router: number, upstream: number, slot: number): number {
    return this.at0.assignedBy + (router * this.upstreamCount + upstream) * this.workerSlots + slot;
  }

  private routedAt(router: number, upstream: number, field: number): number {
    return this.at0.routed + (router * this.upstreamCount + upstream) * ROUTED_TOTALS.length + ROUTED_TOTALS.indexOf(field as never);
  }

  private threadAt(slot: number, field: number): number {
    return this.at0.threads + slot * THREAD_SIZE + field;
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

  /** `router` sent (+1) or took back (−1) an atom for `upstream` to executor `slot`. */
  assign(upstream: number, router: number, slot: number, delta: number): void {
    Atomics.add(this.cells, this.assignedByAt(router, upstream, slot), delta);
    Atomics.add(this.cells, this.at(upstream, slot, Cell.ASSIGNED), delta);
  }

  /** Adds to an upstream total that routers keep a share of (IN_FLIGHT, QUEUED), and to `router`'s share. */
  addRouted(upstream: number, router: number, field: (typeof ROUTED_TOTALS)[number], delta: number): void {
    Atomics.add(this.cells, this.routedAt(router, upstream, field), delta);
    this.addTotal(upstream, field, delta);
  }

  /** `addRouted(+1)` unless the total would pass `limit` (0: no limit); false when it would. */
  reserveRouted(upstream: number, router: number, field: (typeof ROUTED_TOTALS)[number], limit: number): boolean {
    if (!this.reserveTotal(upstream, field, limit)) return false;
    Atomics.add(this.cells, this.routedAt(router, upstream, field), 1);
    return true;
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

  /** Sets an upstream total from `expected` to `value`; true for the one thread whose swap took effect. */
  swapTotal(upstream: number, field: number, expected: number, value: number): boolean {
    return Atomics.compareExchange(this.cells, this.totalAt(upstream, field), expected, value) === expected;
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

  /**
   * Takes the upstream's route lock for thread `slot`. Held only across a few counter reads and writes, never
   * across I/O, so a waiter spins; a worker thread that keeps finding it taken sleeps 50 µs at a time (the
   * holder may have been descheduled).
   */
  lockRoutes(upstream: number, slot: number): void {
    const at = this.totalAt(upstream, Upstream.ROUTE_LOCK);
    for (let spins = 0; ; spins++) {
      const holder = Atomics.compareExchange(this.cells, at, 0, slot + 1);
      if (holder === 0) return;
      if (this.canSleep && spins >= SPINS_BEFORE_SLEEP) Atomics.wait(this.cells, at, holder, 0.05);
    }
  }

  unlockRoutes(upstream: number): void {
    Atomics.store(this.cells, this.totalAt(upstream, Upstream.ROUTE_LOCK), 0);
  }

  /** A connection place may have come free: wakes the threads whose atoms wait for this upstream, if any do. */
  wake(upstream: number): void {
    if (this.total(upstream, Upstream.QUEUED) === 0) return;
    const at = this.totalAt(upstream, Upstream.WAKE);
    Atomics.add(this.cells, at, 1);
    Atomics.notify(this.cells, at);
  }

  /** The wake word's value now: pass it to `nextWake` after looking at the queue, so no wake is missed. */
  wakeSeen(upstream: number): number {
    return this.total(upstream, Upstream.WAKE);
  }

  /** Resolves once `wake` ran for this upstream after `seen` was read (at once if it already did). */
  nextWake(upstream: number, seen: number): Promise<unknown> {
    const result = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.cells, this.totalAt(upstream, Upstream.WAKE), seen);
    return result.async ? result.value : Promise.resolve();
  }

  /** Until when (Date.now() milliseconds) passive health keeps the upstream out of rotation once DOWN is 1. */
  downUntilMs(upstream: number): number {
    return this.downUntil[upstream]!;
  }

  /** Written before DOWN turns 1 (a Float64Array has no Atomics; the swap that follows publishes it). */
  setDownUntil(upstream: number, epochMs: number): void {
    this.downUntil[upstream] = epochMs;
  }

  /** The next turn of the shared round robin. */
  nextTurn(): number {
    return Atomics.add(this.cells, this.at0.turn, 1) >>> 0;
  }

  /** The turn the next `nextTurn` will give, without taking it. */
  peekTurn(): number {
    return Atomics.load(this.cells, this.at0.turn) >>> 0;
  }

  thread(slot: number, field: number): number {
    return Atomics.load(this.cells, this.threadAt(slot, field));
  }

  setThread(slot: number, field: number, value: number): void {
    Atomics.store(this.cells, this.threadAt(slot, field), value);
  }

  addThread(slot: number, field: number, delta: number): void {
    Atomics.add(this.cells, this.threadAt(slot, field), delta);
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
   * A worker thread died: its connections closed with it (history such as OPENED stays), the atoms it had
   * routed anywhere are gone, and nobody may send it atoms until its replacement says it is reachable. Atoms
   * other threads had routed to it stay ASSIGNED until those threads take them back (Forwarder.lost). Run by
   * the supervisor before the replacement starts; a route lock the dead thread held is taken over.
   */
  forgetSlot(slot: number): void {
    this.setThread(slot, Thread.REACHABLE, 0);
    this.setThread(slot, Thread.ACCEPTING, 0);
    for (let upstream = 0; upstream < this.upstreamCount; upstream++) {
      // A lock the dead thread held is free now; the supervisor holds it as one past the last slot.
      Atomics.compareExchange(this.cells, this.totalAt(upstream, Upstream.ROUTE_LOCK), slot + 1, 0);
      this.lockRoutes(upstream, this.workerSlots);
      const idle = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.IDLE), 0);
      const busy = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.BUSY), 0);
      const connecting = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.CONNECTING), 0);
      const warming = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.WARMING), 0);
      const pinned = Atomics.exchange(this.cells, this.at(upstream, slot, Cell.PINNED), 0);
      this.addTotal(upstream, Upstream.IDLE, -idle);
      this.addTotal(upstream, Upstream.CONNECTIONS, -(idle + busy + connecting + warming + pinned));
      this.count(upstream, slot, Cell.CLOSED, idle + busy + pinned);
      for (let executor = 0; executor < this.workerSlots; executor++) {
        const routed = Atomics.exchange(this.cells, this.assignedByAt(slot, upstream, executor), 0);
        Atomics.sub(this.cells, this.at(upstream, executor, Cell.ASSIGNED), routed);
      }
      for (const field of ROUTED_TOTALS) {
        const left = Atomics.exchange(this.cells, this.routedAt(slot, upstream, field), 0);
        this.addTotal(upstream, field, -left);
      }
      this.unlockRoutes(upstream);
      this.wake(upstream);
    }
  }
}
