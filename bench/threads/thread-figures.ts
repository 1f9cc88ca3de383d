import type { ThreadSplit } from './thread-split.js';

/** Thread counts the projection is given for. */
export const PROJECTED_THREADS = [4, 8, 16] as const;

/** What one run's thread split says about scaling out. */
export interface ThreadFigures {
  /** The threads' CPU µs per request, all groups together. */
  totalMicrosPerRequest: number;
  /** The busiest worker (the main thread when there is none): its name, µs/request and share of the total. */
  busiest: { group: string; microsPerRequest: number; share: number };
  /** 1e6 / the busiest thread's µs/request: what the run could reach if only that thread's core were the limit. */
  serialCeiling: number | null;
  /** Hops / atoms over the run, from the admin view; null without its counters or atoms. */
  hopRate: number | null;
  /** Requests/s projected for N threads on N cores (see projectRequestsPerSecond); null without workers. */
  projected: Array<{ threads: number; requestsPerSecond: number }> | null;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * N × 1e6 / (Σ worker µs/request + other µs/request), at most 1e6 / main µs/request. Every worker thread is a
 * whole proxy, so a request costs the scaling threads Σ workers at the measured hop rate, and the helper threads
 * (V8 platform, libuv pool) scale with the requests: each of N cores carries 1/N of both. The main thread stays
 * one, so its cost per request is a serial ceiling no thread count lifts.
 */
export function projectRequestsPerSecond(split: ThreadSplit, threads: number): number {
  const scaling = sum(split.workers.map((worker) => worker.microsPerRequest)) + split.otherMicrosPerRequest;
  const mainCeiling = split.mainMicrosPerRequest > 0 ? 1e6 / split.mainMicrosPerRequest : Infinity;
  return Math.min((threads * 1e6) / scaling, mainCeiling);
}

export function threadFigures(split: ThreadSplit): ThreadFigures {
  const total = split.mainMicrosPerRequest + sum(split.workers.map((worker) => worker.microsPerRequest)) + split.otherMicrosPerRequest;
  const candidates = split.workers.length
    ? split.workers.map((worker) => ({ group: `worker ${worker.thread}`, microsPerRequest: worker.microsPerRequest }))
    : [{ group: 'main', microsPerRequest: split.mainMicrosPerRequest }];
  const busiest = candidates.reduce((most, candidate) => (candidate.microsPerRequest > most.microsPerRequest ? candidate : most));
  const counted = split.workers.filter((worker) => worker.atoms !== null && worker.hops !== null);
  const atoms = sum(counted.map((worker) => worker.atoms!));
  return {
    totalMicrosPerRequest: total,
    busiest: { ...busiest, share: total > 0 ? busiest.microsPerRequest / total : 0 },
    serialCeiling: busiest.microsPerRequest > 0 ? 1e6 / busiest.microsPerRequest : null,
    hopRate: counted.length && atoms > 0 ? sum(counted.map((worker) => worker.hops!)) / atoms : null,
    projected: split.workers.length
      ? PROJECTED_THREADS.map((threads) => ({ threads, requestsPerSecond: projectRequestsPerSecond(split, threads) }))
      : null,
  };
}
