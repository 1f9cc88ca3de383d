import type { HttpResponse } from 'uWebSockets.js';
import type { AtomHandle } from './client-side.js';

/**
 * Hands one request's body from uWS's onData to the atom, in order, and holds it back while the exchange has
 * paused it. uWS's pause() only stops polling: the uSockets inside 20.57 reads again at once whenever a read
 * filled its 512 KiB buffer, paused or not, so what the kernel had queued still reaches onData. Those bytes
 * wait here rather than run past the flow window, and uWS reads again only once all of them went through.
 * Chunks that arrive before the atom opens wait here too.
 */
export class UwsRequestBody {
  private readonly held: Uint8Array[] = [];
  private ended = false;
  private endDelivered = false;
  private handle: AtomHandle | null = null;
  /** The exchange wants no more body for now. */
  private paused = false;
  /** uWS's read is paused (response.pause() was called and not yet undone by resume()). */
  private readPaused = false;
  /** The response completes: the rest of the body is read without flow control (the exchange drops it). */
  private unthrottled = false;
  /** uWS reported the response aborted, or a delivered chunk made the exchange cut it: hands off the response. */
  private gone = false;

  constructor(private readonly response: HttpResponse) {}

  /** The atom opened: deliver what already arrived. */
  attach(handle: AtomHandle): void {
    this.handle = handle;
    this.deliver();
  }

  /** From onData (uWS neuters its buffer after the callback: `chunk` must be a copy). */
  receive(chunk: Uint8Array, isLast: boolean): void {
    if (chunk.byteLength > 0) this.held.push(chunk);
    if (isLast) this.ended = true;
    // uWS re-armed its 10 s timeout for these bytes although the read is paused: pausing again disarms it.
    if (this.readPaused) this.response.pause();
    this.deliver();
  }

  pause(): void {
    if (this.paused || this.unthrottled) return;
    this.paused = true;
    if (this.readPaused) return;
    this.readPaused = true;
    this.response.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deliver();
    this.resumeRead();
  }

  /**
   * Called just before the response completes (after that it may not be touched): uWS must go on reading and
   * dropping the rest, or the client stalls on a full window. What is held is delivered a turn later, outside
   * the call that completes the response.
   */
  unthrottle(): void {
    this.unthrottled = true;
    this.paused = false;
    this.resumeRead();
    if (this.held.length > 0) setImmediate(() => this.deliver());
  }

  /** The response was aborted or cut. */
  responseGone(): void {
    this.gone = true;
  }

  private resumeRead(): void {
    if (!this.readPaused || this.paused || this.gone) return;
    if (this.held.length > 0 && !this.unthrottled) return;
    this.readPaused = false;
    this.response.resume();
  }

  private deliver(): void {
    const handle = this.handle;
    if (!handle) return;
    while (this.held.length > 0 && !this.paused) handle.body(this.held.shift()!);
    if (this.ended && this.held.length === 0 && !this.endDelivered) {
      this.endDelivered = true;
      handle.bodyEnd();
    }
  }
}
