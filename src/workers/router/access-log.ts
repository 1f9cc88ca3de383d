import { pino, type Logger } from 'pino';
import type { Exchange } from './exchange.js';
import { LogChunks } from './log-chunks.js';

/** Where the access log goes: 'stdout' or a file path (ATOM_ACCESS_LOG; 'off' never gets here). */
export type AccessLogTarget = string;

/**
 * Bytes of lines per write, as nginx's `access_log … buffer=`: to a pipe at most PIPE_BUF (4096), so the lines of
 * several threads never mix there; to a file, which is opened for appending (each write lands whole at the end),
 * 32 KiB (about 70 lines).
 */
const CHUNK_BYTES = { pipe: 4096, file: 32 * 1024 };
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
 * own pino logger, whose lines are gathered into chunks (log-chunks.ts) written asynchronously in one call each:
 * one write per line cost more than the line itself.
 */
export class AccessLog {
  private readonly chunks: LogChunks;
  private readonly logger: Logger;

  constructor(target: AccessLogTarget, thread: number) {
    this.chunks = target === 'stdout' ? new LogChunks(1, CHUNK_BYTES.pipe, FLUSH_MS) : new LogChunks(target, CHUNK_BYTES.file, FLUSH_MS);
    this.logger = pino({ base: { pid: process.pid, thread }, timestamp: isoTimeOncePerMillisecond() }, this.chunks);
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
    this.chunks.close();
  }
}
