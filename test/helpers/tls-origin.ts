import { once } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { closeAll } from './close-all.js';

/** What reached the origin of one request, with the SNI its connection's client sent (null: none). */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  servername: string | null;
}

/** TLS handshakes the origin completed, full or resumed (a session ticket or id the client brought back), and failed. */
export interface TlsHandshakes {
  full: number;
  resumed: number;
  failed: number;
}

/** An HTTPS upstream for tests and the long-haul bench: counts its TCP connections and TLS handshakes, records requests. */
export interface TlsOrigin {
  url: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Of those, connections still open. */
  readonly open: number;
  /** The counts so far (a copy: take one before and one after to count a stretch). */
  readonly handshakes: TlsHandshakes;
  /** Requests seen, in arrival order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface TlsOriginOptions {
  /** PEM certificate (chain) and key, e.g. from makeAuthority().issue(['origin.test']). */
  cert: string;
  key: string;
  /** Default: 200 "hello\n" with a Content-Length (Node would close after an HTTP/1.0 answer without one). */
  handler?: (request: IncomingMessage, response: ServerResponse) => void;
}

const HELLO = 'hello\n';

function answerHello(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': HELLO.length }).end(HELLO);
}

/** Listens on a random 127.0.0.1 port; TLS 1.2 and 1.3 with Node's session tickets; close() also cuts open connections. */
export async function startTlsOrigin({ cert, key, handler = answerHello }: TlsOriginOptions): Promise<TlsOrigin> {
  const requests: RecordedRequest[] = [];
  const handshakes: TlsHandshakes = { full: 0, resumed: 0, failed: 0 };
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (request, response) => {
    const { servername } = request.socket as TLSSocket;
    requests.push({ method: request.method!, url: request.url!, headers: request.headers, servername: servername || null });
    handler(request, response);
  });
  // As a server farm's keep-alive: a pooled upstream connection is not closed by the origin between bench phases.
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.isSessionReused()) handshakes.resumed++;
    else handshakes.full++;
  });
  server.on('tlsClientError', () => handshakes.failed++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    get handshakes() {
      return { ...handshakes };
    },
    requests,
    close: () => closeAll(server, sockets),
  };
}
