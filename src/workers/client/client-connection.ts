import type { Socket } from 'node:net';

/** What a parse error did to the request whose body was being read: nothing, cancelled it, or cut its response. */
export type AbandonedBody = 'none' | 'cancelled' | 'mid-response';

/**
 * What the node engine knows of one client connection: the counters its policies read, the responses still
 * under way on it, and whether it is closing, after which nothing more it sends is forwarded.
 */
/** The last connection number given in this thread. */
let lastId = 0;

export class ClientConnection {
  /** Its number in this thread (AtomRequest.connection). */
  readonly id = ++lastId;
  readonly acceptedAt = performance.now();
  requests = 0;
  /**
   * A response on this connection says `Connection: close` (a refusal, the client's own `close`, HTTP/1.0
   * without keep-alive, a client limit reached): requests node:http already parsed behind it, pipelined or in
   * the same read, are never forwarded (RFC 9112 §9.6), and the connection ends once that response is written.
   */
  closing = false;
  /** A parse error was handled: node:http reports it again for every later read, and those are ignored. */
  parseFailed = false;
  /**
   * What to run when each of its responses is over. A pipelined response still queued behind another never
   * gets the socket, so it never emits 'close': the socket's close settles it.
   */
  private readonly pending = new Set<() => void>();
  /** Cancels the request whose body is being read, if any: a parse error on this connection is in that body. */
  private abandonBody: (() => AbandonedBody) | null = null;
  private afterResponses: (() => void) | null = null;

  constructor(socket: Socket) {
    socket.once('close', () => {
      for (const settle of this.pending) settle();
    });
  }

  /** Counts a response as under way until `settle` is called with it. */
  track(settle: () => void): void {
    this.pending.add(settle);
  }

  /** The response is over; false when it already was. */
  untrack(settle: () => void): boolean {
    if (!this.pending.delete(settle)) return false;
    if (this.pending.size === 0 && this.afterResponses) {
      const then = this.afterResponses;
      this.afterResponses = null;
      then();
    }
    return true;
  }

  /** `abandon` cancels the request whose body is now being read, unless that body is complete by then. */
  readingBody(abandon: () => AbandonedBody): void {
    this.abandonBody = abandon;
  }

  /**
   * Marks the connection closing after its first parse error, and cancels the request whose body was being
   * read if it is still incomplete: the error is in that body.
   */
  closeAfterParseError(): AbandonedBody {
    this.closing = true;
    this.parseFailed = true;
    const abandon = this.abandonBody;
    this.abandonBody = null;
    return abandon?.() ?? 'none';
  }

  /**
   * Runs `then` once every response under way is over: at once when none is. Only the one thing that ends the
   * connection (a parse error or a CONNECT, after which node:http parses nothing) waits here.
   */
  whenResponsesOver(then: () => void): void {
    if (this.pending.size === 0) then();
    else this.afterResponses = then;
  }
}
