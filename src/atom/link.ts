import type { MessagePort } from 'node:worker_threads';

/** One direction of an acceptor↔executor conversation. Messages are delivered in order, never synchronously. */
export interface Link<M> {
  send(message: M): void;
  /** Sends a message that carries `chunk` in its `c` field; the link may copy or transfer it. */
  sendChunk(message: M & { c: Uint8Array }): void;
}

/**
 * Batches every message of one event-loop turn into a single postMessage (FEASIBILITY B2: batching halves the
 * per-request hand-off cost). Chunks are copied into their own ArrayBuffer and transferred, because cloning a
 * Buffer that views a larger pooled slab would copy the whole slab.
 */
export class PortLink<M> implements Link<M> {
  private batch: M[] = [];
  private transfers: ArrayBuffer[] = [];
  private scheduled = false;

  constructor(private readonly port: MessagePort) {}

  send(message: M): void {
    this.batch.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  sendChunk(message: M & { c: Uint8Array }): void {
    const own = new Uint8Array(message.c);
    message.c = own;
    this.transfers.push(own.buffer as ArrayBuffer);
    this.send(message);
  }

  private readonly flush = (): void => {
    const batch = this.batch;
    const transfers = this.transfers;
    this.batch = [];
    this.transfers = [];
    this.scheduled = false;
    this.port.postMessage(batch, transfers);
  };
}

/** Delivers batches that arrive on `port` one message at a time. */
export function receiveBatches<M>(port: MessagePort, deliver: (message: M) => void): void {
  port.on('message', (batch: M[]) => {
    for (const message of batch) deliver(message);
  });
}

/**
 * The in-thread link (ATOM_WORKERS=0): same ordering and asynchrony as PortLink, so neither side can be
 * re-entered from inside its own send, but no copy and no thread hop.
 */
export class LocalLink<M> implements Link<M> {
  private batch: M[] = [];
  private scheduled = false;

  constructor(private readonly deliver: (message: M) => void) {}

  send(message: M): void {
    this.batch.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  sendChunk(message: M & { c: Uint8Array }): void {
    this.send(message);
  }

  private readonly flush = (): void => {
    const batch = this.batch;
    this.batch = [];
    this.scheduled = false;
    for (const message of batch) this.deliver(message);
  };
}
