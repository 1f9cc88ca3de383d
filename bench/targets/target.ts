import type { Origin } from '../origin/origin.js';
import type { ThreadRoles } from '../threads/thread-roles.js';
import type { ServedCertificate } from './served-certificate.js';

/** Something the load goes through: an atomproxy setting, nginx, HAProxy, a bare relay, or nothing (direct to the origin). */
export interface Target {
  /** Short id for --targets, e.g. "node/1", "nginx", "direct". */
  id: string;
  /** Name in the report, e.g. "atomproxy node, ATOM_WORKERS=1". */
  name: string;
  /** False for the uWS engine: uWebSockets.js does not parse HTTP/1.0 (20.30 leaves it unanswered, 20.57 answers 505). */
  answersHttp10: boolean;
  /** A CPU floor (bench/bare/), not a proxy: it runs in the throughput scenario only. */
  floor?: true;
  /** It can listen for HTTPS clients beside its plain listener (the TLS modes run only on such targets). */
  terminatesTls?: true;
  /**
   * `env` reaches atomproxy only (the profile passes NODE_OPTIONS through it); with `tls`, a target that terminates
   * TLS also listens for HTTPS clients, serving that certificate.
   */
  start(origin: Origin, env?: Record<string, string>, tls?: ServedCertificate): Promise<RunningTarget>;
}

export interface RunningTarget {
  url: string;
  /** https://127.0.0.1:<port> when it was started with a certificate. */
  tlsUrl?: string;
  /** The processes whose CPU and memory are the proxy's; none for direct. */
  pids(): number[];
  /** Which threads supervise and which work, read now (atomproxy: from its admin view); null for direct. */
  roles(): Promise<ThreadRoles | null>;
  stop(): Promise<void>;
}
