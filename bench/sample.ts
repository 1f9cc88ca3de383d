import type { ThreadSplit } from './threads/thread-split.js';

/** One measured run: one target, one client mode, one repetition. */
export interface Sample {
  rep: number;
  /** Target id, e.g. "uws/1". */
  target: string;
  mode: string;
  /** The load client's command line. */
  client: string;
  /** When its load began (ms since the epoch): side by side, the runs of one repetition and mode overlap. */
  startedAt: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of all the proxy's threads over the run per successful response; null for direct. */
  cpuMicrosPerRequest: number | null;
  /** null side by side (--side-by-side): the origin's count mixes every target's connections. */
  upstreamConnsOpened: number | null;
  upstreamConnsPer1k: number | null;
  /** Peak RSS of the proxy's processes during the run (since its start when the kernel refuses a reset); null for direct. */
  peakRssBytes: number | null;
  /** The proxy's CPU by thread group (main, each worker, other); null for direct. */
  threads: ThreadSplit | null;
}
