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

/** Listens on a random loopback port, counting accepted connections; close() also drops open ones. */
async function serve(server: Server | NetServer, requests: IncomingMessage[]): Promise<TestOrigin> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const bound = server.address();
  if (!bound || typeof bound === 'string') throw new Error('origin not listening');
  return {
    url: `http://127.0.0.1:${bound.port}`,
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
): Promise<TestOrigin> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    handler(request, response);
  });
  server.keepAliveTimeout = 60_000;
  return serve(server, requests);
}

/** A TCP origin that answers every connection with `onData` (for malformed or silent upstreams). */
export async function startRawOrigin(onData: (socket: Socket, data: Buffer) => void): Promise<TestOrigin> {
  const server = createNetServer((socket) => {
    socket.on('data', (data) => onData(socket, data));
    socket.on('error', () => socket.destroy());
  });
  return serve(server, []);
}
