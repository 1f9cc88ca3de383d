import { pino, type Logger } from 'pino';

/**
 * JSON lines on stdout, from every thread; a worker thread's lines carry its slot as `thread`. Nothing is
 * logged per request unless ATOM_LOG_LEVEL is debug or trace. The admin token never reaches a log line, even
 * inside the configuration the start-up line prints.
 */
export function createLogger(level: string, thread?: number): Logger {
  const base = thread === undefined ? { pid: process.pid } : { pid: process.pid, thread };
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: ['config.admin.token'], censor: '(set, not shown)' } });
}
