import { http } from '../../shared/node-http.js';
import type { HttpResponse } from 'uWebSockets.js';
import type { ClientResponder } from './client-side.js';
import type { UwsRequestBody } from './uws-request-body.js';

/**
 * Answers one request through a uWebSockets.js HttpResponse, working around 20.30's framing rules
 * (FEASIBILITY A6/A7): uWS frames bodies itself and adds Date and uWebSockets headers, so the upstream's
 * Content-Length, Date and uWebSockets are not copied;
 * a known length streams through tryEnd (Content-Length), an unknown one through write (chunked); bodiless
 * responses use writeHeader('content-length') + endWithoutBody() without argument. Every call outside the
 * request handler is corked, and nothing touches the response once it completed or uWS reported it aborted
 * (uWS throws, which would end the process). No chunk handed to tryEnd is empty: 20.57 completes the response on
 * an empty tryEnd whatever the total said (undici sometimes delivers an empty chunk).
 */
export class UwsResponder implements ClientResponder {
  /** The client went away or we cut the connection: the response object must not be used any more. */
  aborted = false;
  /** Completed or aborted, and reported as such once through `onSettled`. */
  private settled = false;
  private completed = false;
  private totalLength = -1;
  private bodiless = false;
  /** The chunk tryEnd took only part of, and the write offset at which it started. */
  private pending: Uint8Array | null = null;
  private pendingOffset = 0;
  /** Chunks that arrived while `pending` was still being written. */
  private readonly waiting: Uint8Array[] = [];
  /** end() came while data was still pending. */
  private endPending = false;
  private drain: (() => void) | null = null;

  constructor(
    private readonly response: HttpResponse,
    /** The request body, whose read this responder pauses and resumes for the exchange. */
    private readonly body: UwsRequestBody,
    private readonly isHead: boolean,
    /**
     * The response says Connection: close (RFC 9112 §9.6): uWS closes the connection after it when the client
     * asked, and while the thread drains the client does.
     */
    private readonly closing: boolean,
    /** Called once when the response completed or was aborted (the acceptor counts responses in flight). */
    private readonly onSettled: () => void,
  ) {}

  /** uWS reported the client gone. */
  markAborted(): void {
    this.aborted = true;
    this.body.responseGone();
    this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettled();
  }

  head(status: number, reason: string, headers: string[]): boolean {
    if (this.aborted) return true;
    this.bodiless = this.isHead || status === 204 || status === 304;
    this.response.cork(() => {
      this.response.writeStatus(`${status} ${reason || http.STATUS_CODES[status] || ''}`);
      for (let i = 0; i < headers.length; i += 2) {
        const lower = headers[i]!.toLowerCase();
        if (lower === 'content-length') this.totalLength = Number(headers[i + 1]);
        else if (lower !== 'date' && lower !== 'uwebsockets') this.response.writeHeader(headers[i]!, headers[i + 1]!);
      }
      if (this.closing) this.response.writeHeader('connection', 'close');
    });
    return true;
  }

  write(chunk: Uint8Array): boolean {
    if (this.aborted || this.completed || this.bodiless) return true;
    if (this.totalLength < 0) {
      // Chunked: uWS buffers whatever the socket does not take, so order is kept; false means "wait".
      let ok = true;
      this.response.cork(() => (ok = this.response.write(chunk)));
      if (!ok) this.response.onWritable(this.writable);
      return ok;
    }
    if (this.pending) {
      // tryEnd has not finished the previous chunk: keep order, the flow window bounds this queue.
      this.waiting.push(chunk);
      return false;
    }
    let ok = true;
    this.response.cork(() => {
      const at = this.response.getWriteOffset();
      ok = this.tryEnd(chunk, at, at);
    });
    if (!ok) this.response.onWritable(this.writable);
    return ok;
  }

  /**
   * Hands what is left of `chunk` (whose first byte belongs at body offset `start`; uWS has written up to
   * `offset`) to tryEnd. False when the socket took only part of it: the chunk stays pending.
   */
  private tryEnd(chunk: Uint8Array, start: number, offset: number): boolean {
    const rest = chunk.subarray(offset - start);
    if (rest.byteLength === 0) {
      this.pending = null;
      return true;
    }
    if (start + chunk.byteLength >= this.totalLength) this.body.unthrottle();
    const [written, done] = this.response.tryEnd(rest, this.totalLength);
    if (done) this.complete();
    if (written || done) {
      this.pending = null;
      return true;
    }
    this.pending = chunk;
    this.pendingOffset = start;
    return false;
  }

  private complete(): void {
    this.completed = true;
    this.settle();
  }

  onDrain(callback: () => void): void {
    this.drain = callback;
  }

  end(): void {
    if (this.aborted || this.completed) return;
    if (this.pending) {
      this.endPending = true;
      return;
    }
    this.complete();
    this.body.unthrottle();
    this.response.cork(() => {
      if (this.bodiless) {
        if (this.totalLength >= 0 && this.isHead) this.response.writeHeader('content-length', String(this.totalLength));
        this.response.endWithoutBody();
      } else {
        this.response.end();
      }
    });
  }

  reject(status: number, text: string, extraHeaders: string[], closeConnection: boolean): void {
    if (this.aborted || this.completed) return;
    this.complete();
    this.body.unthrottle();
    this.response.cork(() => {
      this.response.writeStatus(`${status} ${http.STATUS_CODES[status] ?? ''}`);
      this.response.writeHeader('content-type', 'text/plain; charset=utf-8');
      for (let i = 0; i < extraHeaders.length; i += 2) this.response.writeHeader(extraHeaders[i]!, extraHeaders[i + 1]!);
      this.response.end(text, closeConnection || this.closing);
    });
  }

  abort(): void {
    if (this.aborted || this.completed) return;
    this.aborted = true;
    this.body.responseGone();
    this.settle();
    this.response.close();
  }

  pauseBody(): void {
    if (this.aborted || this.completed) return;
    this.body.pause();
  }

  resumeBody(): void {
    if (this.aborted || this.completed) return;
    this.body.resume();
  }

  /** uWS calls this when the socket drains: resend what tryEnd could not write, then let the credit flow. */
  private readonly writable = (offset: number): boolean => {
    if (this.aborted) return true;
    // Still partly unsent: return false and uWS calls again with a newer offset.
    if (this.pending && !this.tryEnd(this.pending, this.pendingOffset, offset)) return false;
    for (let next = this.waiting.shift(); next && !this.completed; next = this.waiting.shift()) {
      const at = this.response.getWriteOffset();
      if (!this.tryEnd(next, at, at)) return false;
    }
    if (this.endPending) this.end();
    const drain = this.drain;
    this.drain = null;
    drain?.();
    return true;
  };
}
