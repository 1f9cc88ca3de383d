/** What an executor needs to know, as plain data that can be cloned into a worker thread. */
export interface ExecutorSettings {
  /** Upstream origins, indexed like the pool index. */
  upstreams: string[];
  connectTimeoutMs: number;
  /** Close an idle upstream connection after this long (sooner if the upstream's Keep-Alive hint says so). */
  idleTimeoutMs: number;
  /** Time allowed for the upstream's response headers, and between two of its body chunks. */
  responseTimeoutMs: number;
}
