/** The engine-neutral contract between an acceptor engine (node:http or uWS) and the forwarder. */

/** A parsed, cleaned client request: what becomes an atom. */
export interface AtomRequest {
  method: string;
  /** Origin-form target (`/path?query`), or `*`. */
  path: string;
  /** Flat, already cleaned header list (see request-headers.ts). */
  headers: string[];
  hasBody: boolean;
  /** Declared Content-Length, -1 when the body is chunked or absent. */
  contentLength: number;
  /** The client, `address:port` (uWS gives no port: `address`), for the access log. */
  client: string;
  /**
   * The client connection, numbered by its thread's engine, for what is kept for it (a pinned upstream
   * connection, its last upstream); 0 where the engine knows no connection (uWS).
   */
  connection: number;
}

/** How the forwarder answers one client request; implemented once per engine. */
export interface ClientResponder {
  /** Sends status and headers; false when the engine refuses them (nothing was sent, the atom becomes a 502). */
  head(status: number, reason: string, headers: string[]): boolean;
  /** Writes a body chunk; false means the client is backpressured and `onDrain` will fire once. */
  write(chunk: Uint8Array): boolean;
  onDrain(callback: () => void): void;
  end(): void;
  /** Nothing was sent yet: answer with a short text error. `closeConnection` when the request body is unread. */
  reject(status: number, text: string, extraHeaders: string[], closeConnection: boolean): void;
  /** The response already started: cut the client connection so the client sees it is incomplete. */
  abort(): void;
  pauseBody(): void;
  resumeBody(): void;
}

/** What an engine tells the forwarder about one request after opening it. */
export interface AtomHandle {
  body(chunk: Uint8Array): void;
  bodyEnd(): void;
  /** The client connection closed before the response finished. */
  clientGone(): void;
}
