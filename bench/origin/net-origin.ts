import type { Socket } from 'node:net';
import { startNetServer } from './net-server.js';
import type { Origin } from './origin.js';
import { MAX_UPLOAD_BYTES, RESPONSES, UPLOAD_PATH } from './payloads.js';

const BODIES = new Map<string, Buffer>([...RESPONSES.map(({ path, body }) => [path, body] as const), [UPLOAD_PATH, Buffer.from('ok\n')]]);

function response(status: string, body: Buffer, connection: string): Buffer {
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${connection}\r\n`), body]);
}

/**
 * Answers the requests buffered on one connection, pipelined ones included. Request bodies must have a
 * Content-Length (the bench sends no chunked bodies); anything it cannot frame gets a 400 and a close.
 */
function serve(socket: Socket): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, data]) : data;
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (/\r\ntransfer-encoding:/i.test(head) || length > MAX_UPLOAD_BYTES) {
        socket.end(response('400 Bad Request', Buffer.alloc(0), 'Connection: close\r\n'));
        return;
      }
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.subarray(end + 4 + length);
      const [, path = '', version] = /^\S+ (\S+) (HTTP\/1\.\d)/.exec(head) ?? [];
      // Every Connection header counts (autocannon sends its own "keep-alive" beside ours).
      const keepAlive = version === 'HTTP/1.0' ? /\r\nconnection:[^\r]*keep-alive/i.test(head) : !/\r\nconnection:[^\r]*close/i.test(head);
      const body = BODIES.get(path);
      const header = keepAlive ? (version === 'HTTP/1.0' ? 'Connection: keep-alive\r\n' : '') : 'Connection: close\r\n';
      const bytes = body ? response('200 OK', body, header) : response('404 Not Found', Buffer.alloc(0), header);
      if (!keepAlive) return void socket.end(bytes);
      socket.write(bytes);
    }
  });
  socket.on('error', () => socket.destroy());
}

/** The origin when nginx is missing: a minimal node:net HTTP/1.1 server in the bench process. */
export function startNetOrigin(): Promise<Origin> {
  return startNetServer('node:net', serve);
}
