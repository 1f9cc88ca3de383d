/** The origin every target forwards to; it counts the TCP connections it accepted. */
export interface Origin {
  /** "nginx" or "node:net". */
  kind: string;
  url: string;
  /** TCP connections accepted so far, not counting the bench's own status queries. */
  accepted(): Promise<number>;
  stop(): Promise<void>;
}
