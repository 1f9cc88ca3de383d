import type { Socket } from 'node:net';

const SLICE_MS = 50;

export interface Throttle {
  /** Call with each chunk read: pauses the socket once this slice's budget is spent. */
  count(bytes: number): void;
  /** Stops pacing and resumes the socket. */
  stop(): void;
}

/**
 * Reads `socket` at about `bytesPerSecond`: in every 50 ms slice it reads until the slice's budget is spent, then
 * pauses (the kernel buffers fill and TCP holds the sender back) until the next slice. One chunk (≤ 64 KiB) may
 * overshoot a slice.
 */
export function throttle(socket: Socket, bytesPerSecond: number): Throttle {
  const budget = (bytesPerSecond * SLICE_MS) / 1000;
  let used = 0;
  const timer = setInterval(() => {
    used = 0;
    socket.resume();
  }, SLICE_MS);
  return {
    count(bytes) {
      used += bytes;
      if (used >= budget) socket.pause();
    },
    stop() {
      clearInterval(timer);
      socket.resume();
    },
  };
}
