import type { Link } from '../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../atom/messages.js';

/** Where atoms run: N worker threads, or the acceptor's own thread. The forwarder sees only this. */
export interface ExecutorSlots {
  readonly count: number;
  /** Worker threads behind the slots: 0 when the executor runs in the acceptor thread. */
  readonly threads: number;
  /** Ends a worker thread abruptly, as a crash would; its replacement takes over the slot. */
  kill(slot: number): void;
  /** The link to a slot's executor; may change when a worker is replaced, so look it up per send. */
  linkTo(slot: number): Link<ToExecutor>;
  close(): Promise<void>;
}

/** Callbacks the slots report into: executor messages, and a worker lost with its atoms. */
export interface SlotListener {
  deliver(slot: number, message: ToAcceptor): void;
  lost(slot: number, error: Error): void;
}
