/** A client-facing engine: owns client connections and turns their requests into atoms for the forwarder. */
export interface Acceptor {
  /** Starts listening; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting connections; in-flight requests continue until the forwarder drains them. */
  stopAccepting(): Promise<void>;
  /** Responses still being written to clients (they may outlive their atom when a client reads slowly). */
  readonly responding: number;
  /** Closes every remaining client connection. */
  close(): Promise<void>;
}
