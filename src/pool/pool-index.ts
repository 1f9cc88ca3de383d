/**
 * The shared upstream pool index: one Int32Array over a SharedArrayBuffer that every thread reads and writes
 * with Atomics. One cell per (upstream, worker slot); each cell holds the counters below. Writers:
 * - the worker owning the slot writes CONNECTED, BUSY, OPENED, REQUESTS (its own connections);
 * - the acceptor writes ASSIGNED (atoms it routed to that slot and that have not finished).
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

export class PoolIndex {
  private readonly cells: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly upstreamCount: number,
    readonly workerSlots: number,
  ) {
    this.cells = new Int32Array(buffer);
    if (this.cells.length !== upstreamCount * workerSlots * FIELD_COUNT) {
      throw new RangeError('pool index buffer does not match its dimensions');
    }
  }

  static create(upstreamCount: number, workerSlots: number): PoolIndex {
    const bytes = upstreamCount * workerSlots * FIELD_COUNT * Int32Array.BYTES_PER_ELEMENT;
    return new PoolIndex(new SharedArrayBuffer(bytes), upstreamCount, workerSlots);
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

  /** A worker died: its connections died with it, and nothing it was assigned is still running. */
  forgetSlot(slot: number): void {
    for (let upstream = 0; upstream < this.upstreamCount; upstream++) {
      Atomics.store(this.cells, this.at(upstream, slot, Field.CONNECTED), 0);
      Atomics.store(this.cells, this.at(upstream, slot, Field.BUSY), 0);
    }
  }

  /** All counters as plain numbers, [upstream][slot], for the log line at shutdown. */
  snapshot(): Array<Array<Record<FieldName, number>>> {
    const names = Object.keys(Field) as FieldName[];
    return Array.from({ length: this.upstreamCount }, (_, upstream) =>
      Array.from({ length: this.workerSlots }, (_, slot) =>
        Object.fromEntries(names.map((name) => [name, this.get(upstream, slot, Field[name])])) as Record<
          FieldName,
          number
        >,
      ),
    );
  }
}
