import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

/** A real upstream for tests: counts the TCP connections it accepts and records what reached it. */
export interface TestOrigin {
  url: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Of those, connections still open. */
  readonly open: number;
  /** Requests seen, in arrival order. */
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

/** Where an origin listens: 127.0.0.1 on a random port unless told (127.0.0.2… let several share a port). */
export interface OriginAddress {
  host?: string;
  port?: number;
}

/** Listens on a loopback address, counting accepted connections; close() also drops open ones. */
async function serve(server: Server | NetServer, requests: IncomingMessage[], { host = '127.0.0.1', port = 0 }: OriginAddress = {}): Promise<TestOrigin> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = server.address();
  if (!bound || typeof bound === 'string') throw new Error('origin not listening');
  return {
    url: `http://${host}:${bound.port}`,
    port: bound.port,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP origin on 127.0.0.1 running `handler` (default: 200 "ok"). */
export async function startOrigin(
  handler: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.end('ok'),
  address: OriginAddress = {},
): Promise<TestOrigin> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    handler(request, response);
  });
  server.keepAliveTimeout = 60_000;
  return serve(server, requests, address);
}

/** A TCP origin that answers every connection with `onData` (for malformed or silent upstreams). */
export async function startRawOrigin(onData: (socket: Socket, data: Buffer) => void): Promise<TestOrigin> {
  const server = createNetServer((socket) => {
    socket.on('data', (data) => onData(socket, data));
    socket.on('error', () => socket.destroy());
  });
  return serve(server, []);
}
