import { bodyBytesHandled } from '../thread/young-buffers.js';

/**
 * A request body arriving in messages from the acceptor, handed to undici as an async iterable. undici pulls
 * the next chunk only after the previous one was written to the socket, so `onTaken` reports exactly what the
 * upstream connection has accepted: the acceptor turns that into flow-control credit for the client read.
 */
export class RequestBody implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly onTaken: (bytes: number) => void) {}

  push(chunk: Uint8Array): void {
    bodyBytesHandled(chunk.byteLength);
    this.chunks.push(chunk);
    this.signal();
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  /** Stops the iteration with an error, so undici abandons the upload. */
  fail(error: Error): void {
    this.failure = error;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.chunks.shift();
      if (chunk) {
        this.onTaken(chunk.byteLength);
        yield chunk;
      } else if (this.ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    }
  }
}
