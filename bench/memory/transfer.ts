import { connect, type Socket } from 'node:net';
import { throttle } from './throttle.js';
import { writeBody } from './write-body.js';

/** One large body moving through a target, watched while it moves. */
export interface Transfer {
  /** Body bytes the bench's client moved so far: read (download) or handed to the kernel (upload). */
  moved(): number;
  /** Resolves when the whole response came, with its duration; rejects on a non-200, a cut or the time limit. */
  done: Promise<{ seconds: number }>;
}

/**
 * Reads one response on `socket`: its status line and Content-Length, then `body` gets each body chunk's size.
 * Resolves with the status once the body is complete.
 */
function readResponse(socket: Socket, body: (bytes: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let head: Buffer | null = Buffer.alloc(0);
    let status = 0;
    let left = 0;
    const onData = (data: Buffer): void => {
      if (head) {
        head = Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = head.subarray(0, end).toString('latin1');
        status = Number(/^HTTP\/1\.\d (\d{3})/.exec(text)?.[1] ?? 0);
        left = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
        data = head.subarray(end + 4);
        head = null;
      }
      left -= data.length;
      body(data.length);
      if (left <= 0) finish(null);
    };
    const finish = (error: Error | null) => {
      socket.off('data', onData);
      if (error) reject(error);
      else resolve(status);
    };
    socket.on('data', onData);
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error(`connection closed ${head ? 'before the response head' : `with ${left} body bytes to come`}`)));
  });
}

/** Runs `exchange` on a new connection to `url`; the connection is destroyed when it ends or after `limitMs`. */
function transfer(url: string, limitMs: number, exchange: (socket: Socket) => Promise<number>, moved: () => number): Transfer {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = performance.now();
  const done = new Promise<{ seconds: number }>((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(new Error(`not done within ${limitMs / 1000} s (${moved()} body bytes moved)`)), limitMs);
    exchange(socket)
      .then((status) => {
        if (status !== 200) throw new Error(`answered ${status}`);
        resolve({ seconds: (performance.now() - started) / 1000 });
      })
      .catch(reject)
      .finally(() => {
        clearTimeout(timer);
        socket.destroy();
      });
  });
  return { moved, done };
}

/** GET `path` and read the body at about `bytesPerSecond`: a slow reader the proxy must hold the origin back for. */
export function slowDownload(url: string, path: string, bytesPerSecond: number, limitMs: number): Transfer {
  let read = 0;
  return transfer(
    url,
    limitMs,
    (socket) => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n`);
      const pacing = throttle(socket, bytesPerSecond);
      return readResponse(socket, (bytes) => {
        read += bytes;
        pacing.count(bytes);
      }).finally(() => pacing.stop());
    },
    () => read,
  );
}

/** POST `bytes` to `path` as fast as the connection takes them (the origin reads slowly: the proxy must hold the client back). */
export function fastUpload(url: string, path: string, bytes: number, limitMs: number): Transfer {
  const head = `POST ${path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n`;
  let socket: Socket | null = null;
  return transfer(
    url,
    limitMs,
    (connection) => {
      socket = connection;
      connection.write(head);
      writeBody(connection, bytes);
      return readResponse(connection, () => {});
    },
    () => (socket ? Math.max(0, socket.bytesWritten - socket.writableLength - head.length) : 0),
  );
}
