import type { Dispatcher } from 'undici';
import { toMicros } from '../../shared/milliseconds.js';
import type { Link } from '../../atom/link.js';
import { CREDIT_QUANTUM_BYTES, FLOW_WINDOW_BYTES, type FailureKind, type ToAcceptor, type ToExecutor, type UpstreamFacts } from '../../atom/messages.js';
import { bodyBytesHandled } from '../thread/young-buffers.js';
import { RequestBody } from './request-body.js';
import { authenticatesConnection } from './connection-auth.js';
import { cleanResponseHeaders } from './response-headers.js';
import type { UpstreamConnection, UpstreamConnections } from './upstream-connections.js';
import { statusForUpstreamError } from './upstream-errors.js';

type Open = Extract<ToExecutor, { k: 'open' }>;

/** Errors that say the upstream is slow or the request unsendable, not that the connection was dead. */
const NOT_A_DEAD_CONNECTION = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_INVALID_ARG']);
/** Errors of a connection attempt: the request cannot have left the proxy. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * One atom on one upstream connection: the undici dispatch handler that streams the response back over the
 * link, pausing the upstream read whenever the acceptor has not yet credited FLOW_WINDOW_BYTES.
 * Uses undici's raw-header handler interface: it keeps wire order and duplicates and skips a header parse.
 */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  private abort: ((reason?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
  private unacked = 0;
  private paused = false;
  private cancelled = false;
  private finished = false;
  private bodyTaken = 0;
  private responded = false;
  readonly body: RequestBody | null;
  private readonly connection: UpstreamConnection;
  /** The connection came from the idle pool, already open. */
  private readonly pooled: boolean;
  /** Sockets the connection had opened before this attempt: unchanged at a failure means it never connected. */
  private readonly opensBefore: number;
  /** The pin this atom's response made (0: none). */
  private pinnedHere = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly open: Open,
    private readonly link: Link<ToAcceptor>,
    private readonly pool: UpstreamConnections,
    private readonly onFinished: (call: UpstreamCall) => void,
  ) {
    this.body = open.b ? new RequestBody(this.creditBody) : null;
    this.connection = pool.acquire(open.q);
    this.pooled = this.connection.socket === 'open';
    this.opensBefore = this.connection.opens;
  }

  get id(): number {
    return this.open.id;
  }

  start(): void {
    const { open } = this;
    // undici streams any async iterable body; its typings list only streams and buffers.
    const body = this.body as unknown as Dispatcher.DispatchOptions['body'];
    // undici's Request takes `servername`; its typings do not list it. `reset` sends `Connection: close` on a
    // connection's last request (ATOM_UPSTREAM_MAX_REQUESTS, ATOM_UPSTREAM_KEEPALIVE=0), so the upstream knows.
    const reset = this.pool.servesNoMore(this.connection);
    const options = { path: open.p, method: open.m, headers: open.h, body, servername: this.pool.transport.servername, reset };
    this.connection.client.dispatch(options as Dispatcher.DispatchOptions, this);
  }

  /** The client went away: stop the upstream request and stay silent. */
  cancel(): void {
    this.cancelled = true;
    // It may not have learnt of the pin this atom made: the connection must not wait for a client that left.
    if (this.pinnedHere) this.pool.unpin(this.pinnedHere);
    this.body?.fail(new Error('client went away'));
    this.abort?.(new Error('client went away'));
  }

  credit(bytes: number): void {
    this.unacked -= bytes;
    if (this.paused && this.unacked < FLOW_WINDOW_BYTES / 2) {
      this.paused = false;
      this.resume?.();
    }
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    if (this.cancelled) abort(new Error('client went away'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx interim responses are the upstream hop's business
    this.responded = true;
    this.resume = resume;
    // A pinned connection stays pinned whatever it answers; another one is pinned by an NTLM or Negotiate 401,
    // or, where no client connection is known to pin it to (uWS), closed after it: no one else may ride it.
    let pin = this.pool.isPinned(this.connection) ? this.connection.pin : 0;
    if (!pin && authenticatesConnection(statusCode, rawHeaders)) {
      if (this.open.c !== 0) pin = this.pinnedHere = this.pool.pin(this.connection, { link: this.link, client: this.open.c });
      else this.connection.reusable = false;
    }
    this.link.send({ k: 'head', id: this.id, s: statusCode, t: statusText, h: cleanResponseHeaders(rawHeaders), u: this.facts(), q: pin });
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.link.sendChunk({ k: 'data', id: this.id, c: chunk });
    this.unacked += chunk.byteLength;
    bodyBytesHandled(chunk.byteLength);
    if (this.unacked < FLOW_WINDOW_BYTES) return true;
    this.paused = true;
    return false;
  }

  onComplete(): void {
    if (!this.cancelled) this.link.send({ k: 'end', id: this.id });
    this.finish();
  }

  onError(error: Error): void {
    if (!this.cancelled) {
      const { status, cause } = statusForUpstreamError(error);
      this.link.send({ k: 'fail', id: this.id, s: status, cause, r: this.failureKind(error) });
    }
    this.body?.fail(error);
    this.finish();
  }

  private facts(): UpstreamFacts {
    const { connection, startedAt } = this;
    const now = performance.now();
    const opened = connection.opens !== this.opensBefore;
    return {
      r: this.pooled && !opened,
      a: Math.round(now - connection.openedAt),
      n: connection.requests,
      c: opened ? Math.max(0, toMicros(connection.openedAt - startedAt)) : 0,
      f: toMicros(now - startedAt),
    };
  }

  /** What this failure allows (see FailureKind); the rule is in docs/pool.md. */
  private failureKind(error: Error & { code?: string }): FailureKind {
    if (this.responded || NOT_A_DEAD_CONNECTION.has(error.code ?? '')) return 'final';
    // A connection this attempt opened itself, and that broke: not the keep-alive race.
    if (this.connection.opens !== this.opensBefore) return 'final';
    if (!this.pooled) return 'connect';
    // The pooled socket was gone before the request could go out and undici could not open another.
    return CONNECT_ERRORS.has(error.code ?? '') ? 'connect' : 'stale';
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.release(this.connection);
    if (this.cancelled) this.link.send({ k: 'released', id: this.id });
    this.onFinished(this);
  }

  private readonly creditBody = (bytes: number): void => {
    this.bodyTaken += bytes;
    if (this.bodyTaken < CREDIT_QUANTUM_BYTES) return;
    this.link.send({ k: 'credit', id: this.id, n: this.bodyTaken });
    this.bodyTaken = 0;
  };
}
