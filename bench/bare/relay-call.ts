import type { Dispatcher } from 'undici';

/**
 * Hop-by-hop headers: dropped both ways. Unlike atomproxy, the names a Connection header lists are not read:
 * the bench's clients and origin send none, and this relay is a floor, not a product.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'proxy-connection', 'trailer']);

/** Where a relayed response goes: a node:http ServerResponse or a uWS HttpResponse. */
export interface ResponseSink {
  head(status: number, reason: string, headers: string[]): void;
  /** False when the client's socket is full: `whenWritable` follows. */
  write(chunk: Buffer): boolean;
  /** Calls `resume` once, when the client's socket takes more. */
  whenWritable(resume: () => void): void;
  end(): void;
  /** The upstream request failed: cut the client's connection. */
  fail(): void;
}

const CLIENT_GONE = new Error('client went away');

/**
 * One request on one upstream connection: undici's raw-header handler (wire order, no header parse) streaming
 * the response into a sink, pausing the upstream read while the client's socket is full.
 */
export class RelayCall implements Dispatcher.DispatchHandler {
  private abort: ((reason?: Error) => void) | null = null;
  private resume: () => void = () => {};
  private cancelled = false;

  constructor(
    private readonly sink: ResponseSink,
    /** Response headers the sink must not get (HOP_BY_HOP, and for uWS those it writes itself). */
    private readonly dropped: ReadonlySet<string>,
  ) {}

  /** The client went away: abort the upstream request, or its connection would stay paused and serve no one. */
  cancel(): void {
    this.cancelled = true;
    this.abort?.(CLIENT_GONE);
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    if (this.cancelled) abort(CLIENT_GONE);
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, reason: string): boolean {
    if (status < 200) return true; // interim responses belong to the upstream hop
    this.resume = resume;
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toString('latin1');
      if (!this.dropped.has(name.toLowerCase())) headers.push(name, raw[i + 1]!.toString('latin1'));
    }
    this.sink.head(status, reason, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.sink.write(chunk)) return true;
    this.sink.whenWritable(this.resume);
    return false;
  }

  onComplete(): void {
    this.sink.end();
  }

  onError(): void {
    if (!this.cancelled) this.sink.fail();
  }
}
