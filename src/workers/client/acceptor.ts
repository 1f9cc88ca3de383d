import type { AcceptorEngine } from '../../main/config.js';

/** A client-facing engine: owns client connections and turns their requests into atoms for the forwarder. */
export interface Acceptor {
  /**
   * Starts listening; resolves with the bound port. `shared`: with SO_REUSEPORT, so every thread's acceptor
   * listens on the same port and the kernel spreads connections over them.
   */
  listen(host: string, port: number, shared: boolean): Promise<number>;
  /**
   * Stops accepting connections. Requests on connections already open are still served, each answered with
   * `Connection: close`, so a client that keeps sending learns to go elsewhere instead of meeting a closed
   * socket (HAProxy's `idle-close-on-response`).
   */
  stopAccepting(): Promise<void>;
  /**
   * From now on a request that arrives is closed unanswered and never forwarded: the thread has said it is
   * drained, and whatever starts now would be cut when it stops.
   */
  refuseRequests(): void;
  /** Responses still being written to clients (they may outlive their atom when a client reads slowly). */
  readonly responding: number;
  /** Client connections still open, or null where the engine cannot tell (uWS reports no HTTP connection events). */
  readonly openConnections: number | null;
  /** performance.now() when the last request arrived (0: none yet). */
  readonly lastRequestAt: number;
  /** Closes every remaining client connection. */
  close(): Promise<void>;
}

/** Which client-facing engine runs, and which build of it: the start-up log line and the admin view show it. */
export interface EngineView {
  acceptor: AcceptorEngine;
  /** e.g. "@btc-vision/uwebsockets.js 20.57.0", or "node:http v24.22.3". */
  build: string;
}
