import { pino } from 'pino';

/** What the chunks are handed to: a sonic-boom destination in its buffer mode (its types name only strings). */
interface ChunkSink {
  write(chunk: Buffer): boolean;
  end(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** At a thread's close, the wait for the last write to land ends after this long (a stuck disk or pipe). */
const CLOSE_WAIT_MS = 2000;

/**
 * Log lines written in chunks, as nginx's `access_log … buffer=`. Each line is encoded into the current chunk as
 * it comes, and a chunk goes to pino's asynchronous destination (sonic-boom) once the next line does not fit in its
 * `chunkBytes`, or when its owner calls `flush`. So a write holds whole lines and at most `chunkBytes`, unless one
 * line alone is longer.
 *
 * Why not sonic-boom's own `minLength`: its string mode measures the UTF-8 length of everything waiting on every
 * line it is given, so a line costs a copy of the buffer so far (12.4 µs of CPU a line at 32 KiB against 3.1 this
 * way, bench/log-chunks-bench.ts); and the lines it holds as strings outlive young-generation collections, which then
 * copy and promote them.
 */
export class LogChunks {
  private readonly sink: ChunkSink;
  private chunk: Buffer;
  private used = 0;
  /** The destination failed (a closed pipe, a full disk): lines are dropped from then on. */
  private failed = false;

  constructor(
    destination: string | number,
    private readonly chunkBytes: number,
  ) {
    // minLength 0: a chunk is written at once, or right after the write in flight; maxWrite: chunks waiting
    // behind that write are not merged into a longer one.
    const options = { dest: destination, sync: false, append: true, minLength: 0, maxWrite: chunkBytes, contentMode: 'buffer' as const };
    this.sink = pino.destination(options) as unknown as ChunkSink;
    // Without a listener, a failed write (pino lets all but EPIPE through) would end the thread.
    this.sink.on('error', (error) => {
      if (!this.failed) process.emitWarning(`log lines to ${destination} are dropped from now on: ${error.message}`);
      this.failed = true;
    });
    this.chunk = Buffer.allocUnsafeSlow(chunkBytes);
  }

  /** Takes one whole line, newline included. */
  write(line: string): void {
    if (this.failed) return;
    const room = this.chunk.length - this.used;
    // A UTF-16 unit takes at most 3 bytes in UTF-8: count exactly only when the cheap bound says it may not fit.
    if (line.length * 3 > room && Buffer.byteLength(line) > room) {
      this.flush();
      if (Buffer.byteLength(line) > this.chunk.length) {
        this.sink.write(Buffer.from(line));
        return;
      }
    }
    this.used += this.chunk.write(line, this.used);
  }

  /**
   * Writes every line held and closes the destination; resolves once the last write landed. (sonic-boom's
   * `flushSync` skips a write already in flight, which a thread that ends next then loses.)
   */
  async close(): Promise<void> {
    this.flush();
    if (this.failed) return; // a failed destination may never say 'close'
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_WAIT_MS).unref();
      this.sink.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.sink.on('error', () => resolve());
      this.sink.end();
    });
  }

  /** Hands the lines held so far to the destination, which writes them asynchronously. */
  flush(): void {
    if (this.used === 0 || this.failed) return;
    this.sink.write(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
    this.used = 0;
  }
}
