import { pino, type Logger } from 'pino';

/** JSON lines on stdout. Nothing is logged per request unless ATOM_LOG_LEVEL is debug or trace. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
