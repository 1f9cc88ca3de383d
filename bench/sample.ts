import type { ThreadSplit } from './threads/thread-split.js';

/** One measured run: one target, one client mode, one repetition. */
export interface Sample {
  rep: number;
  /** Target id, e.g. "uws/1". */
  target: string;
  mode: string;
  /** The load client's command line. */
  client: string;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of all the proxy's threads over the run per successful response; null for direct. */
  cpuMicrosPerRequest: number | null;
  upstreamConnsOpened: number;
  upstreamConnsPer1k: number;
  /** Peak RSS of the proxy's processes during the run (since its start when the kernel refuses a reset); null for direct. */
  peakRssBytes: number | null;
  /** The proxy's CPU by thread group (main, each worker, other); null for direct. */
  threads: ThreadSplit | null;
}
