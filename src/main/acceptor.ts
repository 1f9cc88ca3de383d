/** A client-facing engine: owns client connections and turns their requests into atoms for the forwarder. */
export interface Acceptor {
  /** Starts listening; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting connections; in-flight requests continue until the forwarder drains them. */
  stopAccepting(): Promise<void>;
  /** Closes every remaining client connection. */
  close(): Promise<void>;
}
