import type { Socket } from 'node:net';
import { startRawOrigin, type TestOrigin } from './origin.js';

/** The idle time after which the origin closes a connection, with no Keep-Alive hint to warn the proxy. */
export const ORIGIN_IDLE_CLOSE_MS = 1000;
/**
 * A request arriving this late in a connection's idle time loses the race with the close: the origin drops it
 * and closes, as a server already tearing the connection down does. On a real network the window is the
 * round-trip time; here it is widened to 50 ms so every request spaced 950–1000 ms after the last meets it.
 */
const RACE_WINDOW_START_MS = ORIGIN_IDLE_CLOSE_MS - 50;

export interface RacingOrigin extends TestOrigin {
  /**
   * Requests that arrived on a connection the origin was closing, and were dropped unanswered. A lower bound of
   * the requests that met a closing connection: one written after the origin's close reached the proxy's socket
   * is reset by the kernel and never reaches this code.
   */
  readonly racesLost: number;
  /** The target of every request answered, in order: a target answered twice was executed twice. */
  readonly answeredPaths: readonly string[];
}

/**
 * An HTTP/1.1 origin that closes connections idle for exactly ORIGIN_IDLE_CLOSE_MS (the keep-alive race of
 * the AWS ALB article). Answers `200 ok`; `/partial` sends the head and part of the body, then closes.
 */
export async function startRacingOrigin(): Promise<RacingOrigin> {
  let racesLost = 0;
  const answeredPaths: string[] = [];
  const state = new WeakMap<Socket, { buffered: Buffer; idleSince: number; timer: NodeJS.Timeout | null }>();
  const origin = await startRawOrigin((socket, data) => {
    let connection = state.get(socket);
    if (!connection) {
      connection = { buffered: Buffer.alloc(0), idleSince: -1, timer: null };
      state.set(socket, connection);
    }
    if (connection.idleSince >= 0 && performance.now() - connection.idleSince >= RACE_WINDOW_START_MS) {
      racesLost++;
      socket.destroy();
      return;
    }
    if (connection.timer) clearTimeout(connection.timer);
    connection.buffered = Buffer.concat([connection.buffered, data]);
    for (;;) {
      const headEnd = connection.buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = connection.buffered.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (connection.buffered.length < headEnd + 4 + length) return;
      connection.buffered = connection.buffered.subarray(headEnd + 4 + length);
      const path = head.split(' ')[1]!;
      if (path === '/partial') {
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
        return;
      }
      answeredPaths.push(path);
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      connection.idleSince = performance.now();
      connection.timer = setTimeout(() => socket.destroy(), ORIGIN_IDLE_CLOSE_MS);
    }
  });
  return Object.defineProperties(origin, {
    racesLost: { get: () => racesLost },
    answeredPaths: { get: () => answeredPaths },
  }) as RacingOrigin;
}
