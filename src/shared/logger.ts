import { pino, type Logger } from 'pino';

/**
 * The operational log: JSON lines on stdout, from every thread; a worker thread's lines carry its slot as
 * `thread`. Successful requests go to the access log (src/workers/router/access-log.ts), not here. The admin
 * token never reaches a log line, even inside the configuration the start-up line prints.
 */
export function createLogger(level: string, thread?: number): Logger {
  const base = thread === undefined ? { pid: process.pid } : { pid: process.pid, thread };
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: ['config.admin.token'], censor: (token) => (token === null ? null : '(set, not shown)') } });
}
