import { createServer, type Socket } from 'node:net';
import type { Origin } from './origin.js';

/** A node:net origin on a random loopback port: `serve` gets each connection; stop destroys them all. */
export async function startNetServer(kind: string, serve: (socket: Socket) => void): Promise<Origin> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  return {
    kind,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    accepted: async () => accepted,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
