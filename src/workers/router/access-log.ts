import { pino, type Logger } from 'pino';
import type { Exchange } from './exchange.js';

/** Where the access log goes: 'stdout' or a file path (ATOM_ACCESS_LOG; 'off' never gets here). */
export type AccessLogTarget = string;

/**
 * Lines are written once this many bytes are waiting, as nginx's `access_log … buffer=`: to a pipe within PIPE_BUF
 * (4096), so the lines of several threads never mix there; to a file, which is opened for appending (each write
 * lands whole at the end), 32 KiB (about 70 lines).
 */
const BUFFERS = { pipe: { minLength: 3072, maxWrite: 4096 }, file: { minLength: 32 * 1024, maxWrite: 64 * 1024 } };
/** …or at the latest this long after they were logged, as nginx's `flush=`. */
const FLUSH_MS = 1000;

/**
 * pino's ISO `time` field, formatted once per millisecond: under load many lines share one, and formatting a Date
 * cost 1.6 µs a line (profiled, uws engine), about as much as the rest of the line's JSON.
 */
function isoTimeOncePerMillisecond(): () => string {
  let last = -1;
  let field = '';
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

/**
 * One JSON line per atom, as nginx's access log or the AWS ALB's, written off the hot path: each thread has its
 * own pino logger on an asynchronous sonic-boom destination, which gathers lines until BUFFERS says (or
 * FLUSH_MS passed) and writes them in one call: one write per line cost more than the line itself. Writes hold
 * whole lines.
 */
export class AccessLog {
  private readonly destination: ReturnType<typeof pino.destination>;
  private readonly logger: Logger;

  constructor(target: AccessLogTarget, thread: number) {
    this.destination = pino.destination({
      dest: target === 'stdout' ? 1 : target,
      sync: false,
      append: true,
      ...(target === 'stdout' ? BUFFERS.pipe : BUFFERS.file),
      periodicFlush: FLUSH_MS,
    });
    this.logger = pino({ base: { pid: process.pid, thread }, timestamp: isoTimeOncePerMillisecond() }, this.destination);
  }

  /** The atom is over: what the client asked and got, and what the upstream side did. */
  write(exchange: Exchange, upstream: string): void {
    const { request, upstreamFacts: facts } = exchange;
    this.logger.info(
      {
        client: request.client,
        method: request.method,
        path: request.path,
        status: exchange.answeredStatus,
        requestBytes: exchange.requestBytes,
        responseBytes: exchange.responseBytes,
        upstream,
        worker: exchange.slot,
        reused: facts?.r ?? false,
        connectionAgeMs: facts?.a ?? null,
        connectionRequests: facts?.n ?? null,
        replays: exchange.retries,
        queuedMs: exchange.queuedMs,
        connectMs: facts?.c ?? null,
        firstByteMs: facts?.f ?? null,
        totalMs: exchange.totalMs(),
        termination: exchange.cause ?? 'completed',
      },
      'access',
    );
  }

  /** Writes what is still buffered; called as the thread closes. */
  close(): void {
    this.destination.flushSync();
  }
}
