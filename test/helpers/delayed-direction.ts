import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What crosses the emulated link one way, in the order it was sent: bytes, the sender's FIN, or its reset. */
interface Segment {
  /** performance.now() at which it reaches the other end. */
  due: number;
  data: Buffer | 'end' | 'reset';
}

export interface DirectionOptions {
  /** One-way delay of every segment, in ms. */
  delayMs: number;
  /** performance.now() before which nothing is delivered (the emulated TCP handshake). */
  notBefore: number;
  /** Bytes this direction may hold (queued here and unsent in the receiver's write buffer) before it stops reading. */
  maxHeldBytes: number;
}

export interface DelayedDirection {
  /** Bytes read from the sender that the kernel has not yet taken for the receiver. */
  readonly heldBytes: number;
  /** Drops whatever is still queued (the relay is closing). */
  stop(): void;
}

/**
 * Carries what `from` sends to `to`, each segment `delayMs` after it was read, in order. When more than
 * `maxHeldBytes` wait, `from` is paused so that TCP holds its sender back, and resumed once the backlog fell under
 * the limit. A FIN from `from` becomes `to.end()` and a reset or error `to.resetAndDestroy()`, after the same delay
 * as the bytes before them.
 */
export function delayDirection(from: Socket, to: Socket, { delayMs, notBefore, maxHeldBytes }: DirectionOptions): DelayedDirection {
  const queue: Segment[] = [];
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  const held = () => queuedBytes + to.writableLength;

  const resumeIfRoom = () => {
    if (from.isPaused() && held() < maxHeldBytes) from.resume();
  };

  const schedule = () => {
    if (timer === null && queue.length) timer = setTimeout(deliverDue, Math.ceil(queue[0]!.due - performance.now()));
  };

  // Timers may fire a little early against performance.now(): a segment not yet due waits for another turn.
  function deliverDue(): void {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0]!.due <= now) {
      const { data } = queue.shift()!;
      if (typeof data !== 'string') queuedBytes -= data.length;
      if (to.destroyed) continue;
      if (data === 'end') to.end();
      else if (data === 'reset') to.resetAndDestroy();
      else to.write(data);
    }
    schedule();
    resumeIfRoom();
  }

  const send = (data: Segment['data']) => {
    queue.push({ due: Math.max(performance.now() + delayMs, notBefore), data });
    schedule();
  };

  from.on('data', (chunk: Buffer) => {
    queuedBytes += chunk.length;
    send(chunk);
    if (held() >= maxHeldBytes) from.pause();
  });
  from.on('end', () => send('end'));
  from.on('error', () => send('reset'));
  to.on('drain', resumeIfRoom);

  return {
    get heldBytes() {
      return held();
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      queue.length = 0;
      queuedBytes = 0;
    },
  };
}
