import type { PoolIndex } from '../pool/pool-index.js';
import { viewPool, viewThreads } from '../pool/pool-view.js';

/** One reading of the index's cumulative counters (rates are the differences between two readings). */
export interface PoolSample {
  /** Date.now() when it was read. */
  time: number;
  upstreams: Array<{ url: string; requests: number; reused: number; replays: number; opened: number }>;
  threads: Array<{ thread: number; atoms: number; hops: number }>;
}

/** GET /__atomproxy/history: the samples kept, oldest first, and the server's clock when it answered. */
export interface PoolHistoryView {
  now: number;
  intervalMs: number;
  samples: PoolSample[];
}

export interface PoolHistory {
  /** Reads the index now and keeps the reading (the timer calls this every interval). */
  sample(): void;
  view(): PoolHistoryView;
  stop(): void;
}

/** Every 2 s, and the last 150 readings: the status page's chart shows the last 5 minutes. */
export const HISTORY_INTERVAL_MS = 2000;
export const HISTORY_SAMPLES = 150;

/**
 * Reads the shared pool index every `intervalMs` in the main thread and keeps the last `kept` readings in a ring,
 * so the status page has the last minutes as soon as it opens. The timer is unref'd: it never holds the process.
 */
export function startPoolHistory(index: PoolIndex, upstreams: string[], intervalMs = HISTORY_INTERVAL_MS, kept = HISTORY_SAMPLES): PoolHistory {
  const ring: PoolSample[] = [];
  let next = 0;
  const sample = (): void => {
    const reading: PoolSample = {
      time: Date.now(),
      upstreams: viewPool(index, upstreams).map(({ url, requests, reused, replays, opened }) => ({ url, requests, reused, replays, opened })),
      threads: viewThreads(index).map(({ thread, atoms, hops }) => ({ thread, atoms, hops })),
    };
    ring[next] = reading;
    next = (next + 1) % kept;
  };
  sample();
  const timer = setInterval(sample, intervalMs).unref();
  return {
    sample,
    // Until the ring is full, `next` is its length and the first slice is empty.
    view: () => ({ now: Date.now(), intervalMs, samples: [...ring.slice(next), ...ring.slice(0, next)] }),
    stop: () => clearInterval(timer),
  };
}
