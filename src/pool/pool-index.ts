/**
 * The shared upstream pool index: one Int32Array over a SharedArrayBuffer that every thread reads and writes
 * with Atomics. One cell per (upstream, worker slot) holding the Field counters, then one health record per
 * upstream holding the Health fields. Writers:
 * - the worker owning the slot writes CONNECTED, BUSY, OPENED, REQUESTS (its own connections);
 * - the acceptor writes ASSIGNED (atoms it routed to that slot and that have not finished);
 * - any worker writes CONNECT_FAILURES (one failed connection attempt: +1, one success: reset to 0);
 * - the acceptor writes DOWN (it skips the upstream while it is 1).
 * Nothing here imports HTTP: it only counts.
 */
export const Field = {
  /** Open upstream connections this worker holds to this upstream. */
  CONNECTED: 0,
  /** Of those, connections carrying a request right now. */
  BUSY: 1,
  /** Connections this worker ever opened to this upstream. */
  OPENED: 2,
  /** Requests this worker sent to this upstream. */
  REQUESTS: 3,
  /** Atoms the acceptor routed to this worker for this upstream that have not finished. */
  ASSIGNED: 4,
} as const;
export type FieldName = keyof typeof Field;
const FIELD_COUNT = 5;

export const Health = {
  /** Connection attempts to this upstream that failed in a row, over all workers. */
  CONNECT_FAILURES: 0,
  /** 1 while the balancer skips this upstream. */
  DOWN: 1,
} as const;
export type HealthName = keyof typeof Health;
const HEALTH_COUNT = 2;

export class PoolIndex {
  private readonly cells: Int32Array;
  /** Where the per-upstream health records start, after all the cells. */
  private readonly healthStart: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly upstreamCount: number,
    readonly workerSlots: number,
  ) {
    this.cells = new Int32Array(buffer);
    if (this.cells.length !== PoolIndex.length(upstreamCount, workerSlots)) {
      throw new RangeError('pool index buffer does not match its dimensions');
    }
    this.healthStart = upstreamCount * workerSlots * FIELD_COUNT;
  }

  private static length(upstreamCount: number, workerSlots: number): number {
    return upstreamCount * (workerSlots * FIELD_COUNT + HEALTH_COUNT);
  }

  static create(upstreamCount: number, workerSlots: number): PoolIndex {
    const bytes = PoolIndex.length(upstreamCount, workerSlots) * Int32Array.BYTES_PER_ELEMENT;
    return new PoolIndex(new SharedArrayBuffer(bytes), upstreamCount, workerSlots);
  }

  getHealth(upstream: number, field: number): number {
    return Atomics.load(this.cells, this.healthStart + upstream * HEALTH_COUNT + field);
  }

  addHealth(upstream: number, field: number, delta: number): void {
    Atomics.add(this.cells, this.healthStart + upstream * HEALTH_COUNT + field, delta);
  }

  setHealth(upstream: number, field: number, value: number): void {
    Atomics.store(this.cells, this.healthStart + upstream * HEALTH_COUNT + field, value);
  }

  private at(upstream: number, slot: number, field: number): number {
    return (upstream * this.workerSlots + slot) * FIELD_COUNT + field;
  }

  get(upstream: number, slot: number, field: number): number {
    return Atomics.load(this.cells, this.at(upstream, slot, field));
  }

  add(upstream: number, slot: number, field: number, delta: number): void {
    Atomics.add(this.cells, this.at(upstream, slot, field), delta);
  }

  /** Connections any worker holds busy right now, over all upstreams. */
  busyTotal(): number {
    let busy = 0;
    for (let upstream = 0; upstream < this.upstreamCount; upstream++) {
      for (let slot = 0; slot < this.workerSlots; slot++) busy += this.get(upstream, slot, Field.BUSY);
    }
    return busy;
  }

  /** A worker died: its connections died with it, and nothing it was assigned is still running. */
  forgetSlot(slot: number): void {
    for (let upstream = 0; upstream < this.upstreamCount; upstream++) {
      Atomics.store(this.cells, this.at(upstream, slot, Field.CONNECTED), 0);
      Atomics.store(this.cells, this.at(upstream, slot, Field.BUSY), 0);
    }
  }

  /** All counters as plain numbers, per upstream: its health and one record per worker slot (log at shutdown). */
  snapshot(): Array<{ health: Record<HealthName, number>; workers: Array<Record<FieldName, number>> }> {
    const fields = Object.keys(Field) as FieldName[];
    const health = Object.keys(Health) as HealthName[];
    return Array.from({ length: this.upstreamCount }, (_, upstream) => ({
      health: Object.fromEntries(health.map((name) => [name, this.getHealth(upstream, Health[name])])) as Record<HealthName, number>,
      workers: Array.from(
        { length: this.workerSlots },
        (_, slot) => Object.fromEntries(fields.map((name) => [name, this.get(upstream, slot, Field[name])])) as Record<FieldName, number>,
      ),
    }));
  }
}
