/**
 * A small bounded HTTP/1.0 load client, for machines without ab: autocannon and wrk only speak HTTP/1.1.
 * Usage: node http10-client.js <url> <requests> <concurrency> <keep-alive 0|1> <upload bytes>
 * Prints one JSON line: ok, non2xx, errors, seconds, p50Ms, p99Ms. Each request gives up after 5 s.
 */
import { connect, type Socket } from 'node:net';

const [url, requestCount, concurrency, keepAliveFlag, uploadBytes] = process.argv.slice(2);
const target = new URL(url!);
const keepAlive = keepAliveFlag === '1';
const body = Buffer.alloc(Number(uploadBytes), 'x');
const request = Buffer.concat([
  Buffer.from(
    `${body.length ? 'POST' : 'GET'} ${target.pathname} HTTP/1.0\r\nHost: ${target.host}\r\n` +
      (keepAlive ? 'Connection: Keep-Alive\r\n' : '') +
      (body.length ? `Content-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n` : '') +
      '\r\n',
  ),
  body,
]);

interface Response {
  status: number;
  /** The server keeps the connection open for the next request. */
  reusable: boolean;
}

/** Sends one request on `socket` and reads its response: Content-Length framed, or up to the close. */
function exchange(socket: Socket): Promise<Response> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    let head: { status: number; length: number; bodyStart: number; keepAlive: boolean } | null = null;
    const timer = setTimeout(() => finish(new Error('timeout')), 5000);
    const finish = (error: Error | null, response?: Response) => {
      clearTimeout(timer);
      socket.off('data', onData).off('end', onEnd).off('error', finish);
      if (error) reject(error);
      else resolve(response!);
    };
    const onData = (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      if (!head) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = buffered.subarray(0, end).toString('latin1');
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
        head = {
          status: Number(text.slice(9, 12)),
          length: length ? Number(length[1]) : -1,
          bodyStart: end + 4,
          keepAlive: /\r\nconnection:\s*keep-alive/i.test(text),
        };
      }
      if (head.length >= 0 && buffered.length - head.bodyStart >= head.length) {
        finish(null, { status: head.status, reusable: keepAlive && head.keepAlive });
      }
    };
    const onEnd = () => (head ? finish(null, { status: head.status, reusable: false }) : finish(new Error('closed before a response')));
    socket.on('data', onData).once('end', onEnd).once('error', finish);
    socket.write(request);
  });
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

const latencies: number[] = [];
let issued = 0;
let ok = 0;
let non2xx = 0;
let errors = 0;

/** One connection's loop: requests until the count is reached, reconnecting whenever the server closed. */
async function lane(): Promise<void> {
  let socket: Socket | null = null;
  while (issued < Number(requestCount)) {
    issued++;
    const started = performance.now();
    try {
      socket ??= await open();
      const response = await exchange(socket);
      latencies.push(performance.now() - started);
      if (response.status >= 200 && response.status < 300) ok++;
      else non2xx++;
      if (!response.reusable) {
        socket.destroy();
        socket = null;
      }
    } catch {
      errors++;
      socket?.destroy();
      socket = null;
    }
  }
  socket?.destroy();
}

const started = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, lane));
latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN;
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ ok, non2xx, errors, seconds, p50Ms: percentile(50), p99Ms: percentile(99) }));
