/** What one measured run asks of a load client. */
export interface LoadSpec {
  /** Full URL, path included. */
  url: string;
  /** Duration for the clients that run for a time (wrk, autocannon). */
  seconds: number;
  /** Request count for the clients that run for a count (ab, the bench's HTTP/1.0 client). */
  requests: number;
  http10: boolean;
  keepAlive: boolean;
  /** Request body size; 0 sends a GET, more sends a POST of that many bytes. */
  uploadBytes: number;
}

/** What a load client measured: successful (2xx) responses, the rest, and latency percentiles. */
export interface LoadResult {
  client: string;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

/** Connections for duration-bound clients and concurrency for count-bound ones (ANCHOR-BENCH: wrk -c64, ab -c32). */
export const CONNECTIONS = 64;
export const CONCURRENCY = 32;
