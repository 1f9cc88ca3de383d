import type { UpstreamTlsConfig } from '../../main/config.js';

/** What the upstream side needs to know: the upstream part of the configuration. */
export interface ExecutorSettings {
  connectTimeoutMs: number;
  /** Close an idle upstream connection after this long (sooner if the upstream's Keep-Alive hint says so). */
  idleTimeoutMs: number;
  /** Time allowed for the upstream's response headers, and between two of its body chunks. */
  responseTimeoutMs: number;
  /** Global cap on connections per upstream (0: none); warm-ups respect it, routing enforces it. */
  maxConnections: number;
  /** Global cap on idle connections per upstream (0: none). */
  maxIdle: number;
  /** Connections per upstream kept open ahead of traffic, over all workers. */
  minIdle: number;
  /** Requests one upstream connection carries before it is closed (0: no limit). */
  maxRequestsPerConnection: number;
  /** Age at which an upstream connection is closed once its current request ends (0: no limit). */
  maxLifetimeMs: number;
  tls: UpstreamTlsConfig;
}
