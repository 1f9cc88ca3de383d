import type { MessagePort } from 'node:worker_threads';

/** One direction of an acceptor↔executor conversation. Messages are delivered in order, never synchronously. */
export interface Link<M> {
  send(message: M): void;
  /** Sends a message that carries `chunk` in its `c` field; the link may copy or transfer it. */
  sendChunk(message: M & { c: Uint8Array }): void;
}

/** Collects the messages of one turn and hands them over as one batch when `schedule` fires. */
abstract class BatchingLink<M> implements Link<M> {
  private batch: M[] = [];
  private scheduled = false;

  abstract sendChunk(message: M & { c: Uint8Array }): void;
  /** Arranges for `flush` to run once, later. */
  protected abstract schedule(flush: () => void): void;
  protected abstract deliver(batch: M[]): void;

  send(message: M): void {
    this.batch.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.flush);
    }
  }

  private readonly flush = (): void => {
    const batch = this.batch;
    this.batch = [];
    this.scheduled = false;
    this.deliver(batch);
  };
}

/**
 * Batches every message of one event-loop turn into a single postMessage (FEASIBILITY B2: batching halves the
 * per-request hand-off cost). Chunks are copied into their own ArrayBuffer and transferred, because cloning a
 * Buffer that views a larger pooled slab would copy the whole slab.
 */
export class PortLink<M> extends BatchingLink<M> {
  private transfers: ArrayBuffer[] = [];

  constructor(private readonly port: MessagePort) {
    super();
  }

  sendChunk(message: M & { c: Uint8Array }): void {
    const own = new Uint8Array(message.c);
    message.c = own;
    this.transfers.push(own.buffer as ArrayBuffer);
    this.send(message);
  }

  protected schedule(flush: () => void): void {
    setImmediate(flush);
  }

  protected deliver(batch: M[]): void {
    const transfers = this.transfers;
    this.transfers = [];
    this.port.postMessage(batch, transfers);
  }
}

/** Delivers batches that arrive on `port` one message at a time. */
export function receiveBatches<M>(port: MessagePort, deliver: (message: M) => void): void {
  port.on('message', (batch: M[]) => {
    for (const message of batch) deliver(message);
  });
}

/**
 * The in-thread link (a router and the executor of its own thread): same ordering and asynchrony as PortLink, so neither side can be
 * re-entered from inside its own send, but no copy and no thread hop.
 */
export class LocalLink<M> extends BatchingLink<M> {
  constructor(private readonly receiver: (message: M) => void) {
    super();
  }

  sendChunk(message: M & { c: Uint8Array }): void {
    this.send(message);
  }

  protected schedule(flush: () => void): void {
    queueMicrotask(flush);
  }

  protected deliver(batch: M[]): void {
    for (const message of batch) this.receiver(message);
  }
}
