import type { UpstreamFacts } from '../../atom/messages.js';
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
/** Lines are made this many at a time (or at the FLUSH_MS tick), so their code and data stay in the CPU's caches. */
const BATCH_ATOMS = 32;

/**
 * The line's opening, `{"level":30,"time":"…","pid":…,"thread":…,` for a time in ms since the epoch: the ISO time
 * formatted once per millisecond.
 */
function lineOpening(thread: number): (now: number) => string {
  const identity = `"pid":${process.pid},"thread":${thread},`;
  let last = -1;
  let opening = '';
  return (now) => {
    if (now !== last) {
      last = now;
      opening = `{"level":30,"time":"${new Date(now).toISOString()}",${identity}`;
    }
    return opening;
  };
}

/**
 * The request target as the client sent it. Both engines hand it over as one character per byte (latin1), and
 * the acceptor let through only UTF-8 (request-headers.ts), so bytes above ASCII are decoded as what they were.
 */
const sentTarget = (path: string): string => (NON_ASCII.test(path) ? Buffer.from(path, 'latin1').toString() : path);
const NON_ASCII = /[^\x00-\x7f]/;

/** A JSON number, or null for what JSON has no number for (as pino writes it). */
const num = (value: number | null): number | null => (value !== null && Number.isFinite(value) ? value : null);

/**
 * What a line says of an atom, copied as it ends: holding the Exchange instead would keep its held body and
 * client connection alive until the line is made.
 */
interface EndedAtom {
  /** When it ended, in ms since the epoch. */
  endedAt: number;
  client: string;
  method: string;
  path: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
  upstream: string;
  worker: number;
  facts: UpstreamFacts | null;
  replays: number;
  queuedMs: number;
  totalMs: number;
  cause: string | null;
}

/**
 * One JSON line per atom, as nginx's access log or the AWS ALB's, written off the hot path: each thread gathers its
 * lines into chunks (log-chunks.ts) that pino's asynchronous destination writes in one call each (one write per
 * line cost more than the line itself).
 *
 * The line is pino's (`level` 30, `time`, `pid`, `thread`, the fields, `msg`), so pino's tools read it, but it is
 * written here in one template, not by a pino logger: pino's generic serialiser walks the object key by key and
 * builds the line from many small strings. Side by side under load, the template cost the proxy 3 % less CPU a
 * request than pino's logger, a fifth of what the line cost (docs/benchmarks.md, "The access log's cost, side by
 * side").
 */
export class AccessLog {
  private readonly chunks: LogChunks;
  private readonly opening: (now: number) => string;
  private readonly timer: NodeJS.Timeout;
  /** Atoms over whose lines are not made yet. */
  private ended: EndedAtom[] = [];

  constructor(target: AccessLogTarget, thread: number) {
    this.chunks = new LogChunks(target === 'stdout' ? 1 : target, target === 'stdout' ? CHUNK_BYTES.pipe : CHUNK_BYTES.file);
    this.opening = lineOpening(thread);
    this.timer = setInterval(() => {
      this.writeEnded();
      this.chunks.flush();
    }, FLUSH_MS).unref();
  }

  /**
   * The atom is over: its line (what the client asked and got, and what the upstream side did) is made together
   * with the next BATCH_ATOMS - 1. Side by side with the node engine and close clients, that cost the proxy 3 % less
   * CPU a request than a line at a time; making each event-loop turn's lines after its I/O (setImmediate) cost 4 %
   * more, for the extra loop turn it takes.
   */
  write(exchange: Exchange, upstream: string): void {
    const { request } = exchange;
    const atom: EndedAtom = {
      endedAt: Date.now(),
      client: request.client,
      method: request.method,
      path: request.path,
      status: exchange.answeredStatus,
      requestBytes: exchange.requestBytes,
      responseBytes: exchange.responseBytes,
      upstream,
      worker: exchange.slot,
      facts: exchange.upstreamFacts,
      replays: exchange.retries,
      queuedMs: exchange.queuedMs,
      totalMs: exchange.totalMs(),
      cause: exchange.cause,
    };
    if (this.ended.push(atom) >= BATCH_ATOMS) this.writeEnded();
  }

  private writeEnded(): void {
    const ended = this.ended;
    this.ended = [];
    for (const atom of ended) this.writeLine(atom);
  }

  private writeLine(atom: EndedAtom): void {
    const { facts } = atom;
    this.chunks.write(
      `${this.opening(atom.endedAt)}"client":${JSON.stringify(atom.client)},"method":${JSON.stringify(atom.method)},` +
        `"path":${JSON.stringify(sentTarget(atom.path))},"status":${atom.status},"requestBytes":${atom.requestBytes},` +
        `"responseBytes":${atom.responseBytes},"upstream":${JSON.stringify(atom.upstream)},"worker":${atom.worker},` +
        `"reused":${facts?.r ?? false},"connectionAgeMs":${num(facts?.a ?? null)},"connectionRequests":${num(facts?.n ?? null)},` +
        `"replays":${atom.replays},"queuedMs":${num(atom.queuedMs)},"connectMs":${num(facts?.c ?? null)},` +
        `"firstByteMs":${num(facts?.f ?? null)},"totalMs":${num(atom.totalMs)},` +
        `"termination":${JSON.stringify(atom.cause ?? 'completed')},"msg":"access"}\n`,
    );
  }

  /** Writes every line still held; the thread closes once this resolves. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.writeEnded();
    await this.chunks.close();
  }
}
