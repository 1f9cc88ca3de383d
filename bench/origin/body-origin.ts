import type { Socket } from 'node:net';
import { throttle } from '../memory/throttle.js';
import { writeBody } from '../memory/write-body.js';
import { startNetServer } from './net-server.js';
import type { Origin } from './origin.js';

/** GET /download/<bytes>: that many body bytes, written as fast as the connection takes them. */
export const DOWNLOAD_PATH = '/download/';
/** POST /slow-upload/<bytes per second>: the body is read at that rate, then answered "ok\n". */
export const SLOW_UPLOAD_PATH = '/slow-upload/';

/** The memory scenario's origin: large bodies out, slowly read bodies in, with byte counters to see what is held between. */
export interface BodyOrigin extends Origin {
  /** Download body bytes handed to the kernel so far (written minus what still waits in the socket's buffer). */
  sent(): number;
  /** Upload body bytes read so far. */
  received(): number;
}

const OK = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n');

interface Counters {
  written: number;
  received: number;
  downloading: Set<Socket>;
}

/** Answers a download: the head, then `bytes` of body, counted into `written` as handed to the socket. */
function download(socket: Socket, bytes: number, counters: Counters, done: () => void): void {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\n\r\n`);
  counters.downloading.add(socket);
  writeBody(
    socket,
    bytes,
    (written) => (counters.written += written),
    () => {
      counters.downloading.delete(socket);
      done();
    },
  );
}

/**
 * One request at a time per connection (the scenario never pipelines): reads the head, then either streams a
 * download or reads an upload's Content-Length bytes at the rate its path names. Anything else gets a 404.
 */
function serve(socket: Socket, counters: Counters): void {
  let head = Buffer.alloc(0);
  let uploadLeft = 0;
  let pacing: ReturnType<typeof throttle> | null = null;
  const nextRequest = (rest: Buffer) => {
    head = Buffer.alloc(0);
    if (rest.length) onData(rest);
  };
  const onData = (data: Buffer): void => {
    if (pacing) {
      const body = Math.min(uploadLeft, data.length);
      uploadLeft -= body;
      counters.received += body;
      pacing.count(body);
      if (uploadLeft > 0) return;
      pacing.stop();
      pacing = null;
      socket.write(OK);
      return nextRequest(data.subarray(body));
    }
    head = Buffer.concat([head, data]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const text = head.subarray(0, end).toString('latin1');
    const rest = head.subarray(end + 4);
    const [, method, path = ''] = /^(\S+) (\S+)/.exec(text) ?? [];
    if (method === 'GET' && path.startsWith(DOWNLOAD_PATH)) {
      return download(socket, Number(path.slice(DOWNLOAD_PATH.length)), counters, () => nextRequest(rest));
    }
    if (method === 'POST' && path.startsWith(SLOW_UPLOAD_PATH)) {
      uploadLeft = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
      pacing = throttle(socket, Number(path.slice(SLOW_UPLOAD_PATH.length)));
      head = Buffer.alloc(0);
      return onData(rest);
    }
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  socket.once('close', () => {
    pacing?.stop();
    counters.downloading.delete(socket);
  });
}

export async function startBodyOrigin(): Promise<BodyOrigin> {
  const counters: Counters = { written: 0, received: 0, downloading: new Set() };
  const server = await startNetServer('node:net body origin', (socket) => serve(socket, counters));
  return {
    ...server,
    sent: () => counters.written - [...counters.downloading].reduce((sum, socket) => sum + socket.writableLength, 0),
    received: () => counters.received,
  };
}
