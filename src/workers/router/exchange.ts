import type { Link } from '../../atom/link.js';
import { toMicros } from '../../shared/milliseconds.js';
import { CREDIT_QUANTUM_BYTES, FLOW_WINDOW_BYTES, type ToAcceptor, type ToExecutor, type UpstreamFacts } from '../../atom/messages.js';
import type { AtomHandle, AtomRequest, ClientResponder } from '../client/client-side.js';
import { errorText } from '../client/error-text.js';
import { bodyBytesHandled } from '../thread/young-buffers.js';
import type { FailureReason } from './replay-policy.js';

/** What an exchange needs from the forwarder that owns it. */
export interface ExchangeHost {
  linkTo(slot: number): Link<ToExecutor>;
  /**
   * The exchange is over, successfully or not; `slot` is -1 if it never left the queue. `cancelled`: a cancel
   * went to its executor, which answers `released` once the atom's connection is free.
   */
  finished(exchange: Exchange, cancelled: boolean): void;
  /** The upstream bound the connection that answered to the atom's client connection, as pin `pin`. */
  pinned(exchange: Exchange, pin: number): void;
  /** Logs a failure answered to (or cut from) the client. */
  logFailure(exchange: Exchange, status: number, cause: string): void;
  /** The attempt failed before any answer: true if the host sent the atom again (see replay-policy.ts). */
  retry(exchange: Exchange, reason: FailureReason, cause: string): boolean;
  readonly maxBodyBytes: number;
  /** Request bodies up to this size are held until the atom ends, so it can be sent again. */
  readonly replayMaxBodyBytes: number;
}

/**
 * The acceptor's half of one atom: relays the client's body to the executor and the executor's response to
 * the client, with credit-based flow control both ways so memory stays bounded whatever the body sizes.
 */
export class Exchange implements AtomHandle {
  /** Worker slot running the atom; -1 while it waits in the queue. */
  slot = -1;
  status = 0;
  /** Times the atom was sent again after a failed attempt. */
  retries = 0;
  readonly startedAt = performance.now();
  /** Milliseconds until a worker first took the atom (its wait in the queue); -1 while it has not. */
  queuedMs = -1;
  /** The failure that ended it (see `fail` and `clientGone`), null when it completed. */
  cause: string | null = null;
  /** Response body bytes relayed to the client. */
  responseBytes = 0;
  /** The upstream connection that answered, from the response head; null when none did. */
  upstreamFacts: UpstreamFacts | null = null;
  /** The pinned connection it rides in its executor (0: any connection), set by the forwarder before `start`. */
  pin = 0;
  /** The status the client got, or 499 (as nginx) when it left before any answer; 0 for neither. */
  get answeredStatus(): number {
    return this.status || (this.cause ? 499 : 0);
  }

  /** Milliseconds from the request's arrival until now. */
  totalMs(): number {
    return toMicros(performance.now() - this.startedAt);
  }
  private done = false;
  private headSent = false;
  /** Every body chunk so far while they fit in replayMaxBodyBytes; null once they did not. */
  private heldBody: Uint8Array[] | null = [];
  private heldBytes = 0;
  private bodyBytes = 0;
  private bodyEnded = false;
  private queuedBody: Uint8Array[] = [];
  private requestUnacked = 0;
  private clientPaused = false;
  private responseCredit = 0;
  private awaitingDrain = false;

  constructor(
    readonly id: number,
    public upstream: number,
    readonly request: AtomRequest,
    private readonly responder: ClientResponder,
    private readonly host: ExchangeHost,
  ) {}

  get finished(): boolean {
    return this.done;
  }

  get responseStarted(): boolean {
    return this.headSent;
  }

  /** Request body bytes read from the client so far. */
  get requestBytes(): number {
    return this.bodyBytes;
  }

  /** Every body byte the client sent so far is in hand, so the atom can be sent again from its start. */
  get bodyHeld(): boolean {
    return this.heldBody !== null;
  }

  /**
   * The attempt failed and the host will route the atom again: it restarts from its held body, with fresh
   * per-attempt flow-control state, once `start` is called with its new slot.
   */
  prepareRetry(): void {
    this.retries++;
    this.slot = -1;
    this.pin = 0;
    this.queuedBody = [...this.heldBody!];
    this.requestUnacked = 0;
  }

  /** The forwarder assigned a worker: send the atom and whatever body already arrived. */
  start(slot: number): void {
    this.slot = slot;
    if (this.queuedMs < 0) this.queuedMs = toMicros(performance.now() - this.startedAt);
    const { request } = this;
    const link = this.host.linkTo(slot);
    link.send({ k: 'open', id: this.id, u: this.upstream, m: request.method, p: request.path, h: request.headers, b: request.hasBody, q: this.pin, c: request.connection });
    for (const chunk of this.queuedBody) this.forwardBody(link, chunk);
    this.queuedBody = [];
    if (this.bodyEnded) link.send({ k: 'bodyEnd', id: this.id });
    this.resumeClientIfCredited();
  }

  // ---- from the client engine ----

  body(chunk: Uint8Array): void {
    if (this.done) return;
    this.bodyBytes += chunk.byteLength;
    bodyBytesHandled(chunk.byteLength);
    const limit = this.host.maxBodyBytes;
    if (limit > 0 && this.bodyBytes > limit) {
      this.fail(413, `request body over ATOM_MAX_BODY_BYTES (${limit})`, true);
      return;
    }
    this.hold(chunk);
    if (this.slot < 0) {
      // Still queued: hold what already arrived and stop reading more until a worker takes the atom.
      this.queuedBody.push(chunk);
      this.pauseClient();
      return;
    }
    this.forwardBody(this.host.linkTo(this.slot), chunk);
  }

  bodyEnd(): void {
    if (this.done) return;
    this.bodyEnded = true;
    if (this.slot >= 0) this.host.linkTo(this.slot).send({ k: 'bodyEnd', id: this.id });
  }

  clientGone(): void {
    if (this.done) return;
    this.cause = 'client closed the connection before the response finished';
    this.finish(true);
    this.host.logFailure(this, 499, this.cause);
  }

  // ---- from the executor ----

  receive(message: ToAcceptor): void {
    if (this.done) return;
    switch (message.k) {
      case 'head':
        if (!this.responder.head(message.s, message.t, message.h)) {
          this.fail(502, 'upstream sent a response header the client side refuses', false);
          break;
        }
        this.status = message.s;
        this.headSent = true;
        this.upstreamFacts = message.u;
        if (message.q) this.host.pinned(this, message.q);
        break;
      case 'data':
        this.relayData(message.c);
        break;
      case 'end':
        this.finish(false);
        // The upstream answered without reading the whole body: let the engine read and discard the rest,
        // or the client would stall on a full window until its idle timeout.
        if (this.clientPaused && !this.bodyEnded) this.responder.resumeBody();
        this.responder.end();
        break;
      case 'fail':
        if (message.r !== 'final' && this.host.retry(this, message.r, message.cause)) break;
        this.fail(message.s, message.cause, false);
        break;
      case 'credit':
        this.requestUnacked -= message.n;
        this.resumeClientIfCredited();
        break;
    }
  }

  /** Ends the exchange with an error: a short text response if nothing was sent yet, else a cut connection. */
  fail(status: number, cause: string, bodyUnread: boolean, extraHeaders: string[] = []): void {
    if (this.done) return;
    // Finished first: cutting a uWS response runs its onAborted (→ clientGone) synchronously.
    if (!this.headSent) this.status = status;
    this.cause = cause;
    this.finish(true);
    this.host.logFailure(this, status, cause);
    if (this.headSent) this.responder.abort();
    else this.responder.reject(status, errorText(status), extraHeaders, bodyUnread || (this.request.hasBody && !this.bodyEnded));
  }

  private hold(chunk: Uint8Array): void {
    if (!this.heldBody) return;
    this.heldBytes += chunk.byteLength;
    if (this.heldBytes <= this.host.replayMaxBodyBytes) this.heldBody.push(chunk);
    else this.heldBody = null;
  }

  private relayData(chunk: Uint8Array): void {
    this.responseCredit += chunk.byteLength;
    this.responseBytes += chunk.byteLength;
    bodyBytesHandled(chunk.byteLength);
    if (!this.responder.write(chunk)) {
      if (!this.awaitingDrain) {
        this.awaitingDrain = true;
        this.responder.onDrain(this.drained);
      }
    } else if (!this.awaitingDrain && this.responseCredit >= CREDIT_QUANTUM_BYTES) {
      this.sendResponseCredit();
    }
  }

  private readonly drained = (): void => {
    this.awaitingDrain = false;
    this.sendResponseCredit();
  };

  private sendResponseCredit(): void {
    if (this.done || this.responseCredit === 0) return;
    this.host.linkTo(this.slot).send({ k: 'credit', id: this.id, n: this.responseCredit });
    this.responseCredit = 0;
  }

  private forwardBody(link: Link<ToExecutor>, chunk: Uint8Array): void {
    link.sendChunk({ k: 'body', id: this.id, c: chunk });
    this.requestUnacked += chunk.byteLength;
    if (this.requestUnacked >= FLOW_WINDOW_BYTES) this.pauseClient();
  }

  private pauseClient(): void {
    if (this.clientPaused) return;
    this.clientPaused = true;
    this.responder.pauseBody();
  }

  private resumeClientIfCredited(): void {
    if (!this.clientPaused || this.requestUnacked >= FLOW_WINDOW_BYTES / 2) return;
    this.clientPaused = false;
    this.responder.resumeBody();
  }

  /**
   * Marks the exchange over before anything else runs, so no re-entrant path can finish it twice. A cancel
   * is harmless when the executor already finished the atom: it answers `released` either way.
   */
  private finish(cancel: boolean): void {
    this.done = true;
    const cancelled = cancel && this.slot >= 0;
    if (cancelled) this.host.linkTo(this.slot).send({ k: 'cancel', id: this.id });
    this.host.finished(this, cancelled);
  }
}
