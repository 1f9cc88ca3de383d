import { once } from 'node:events';
import type { Server, Socket } from 'node:net';

/**
 * Cuts `sockets` and stops `server` listening; resolves once every socket and the listener have closed. The sockets
 * go first: an HTTP server's close() cuts its idle connections itself, after which a socket may say it is closed
 * before it has emitted its 'close'.
 */
export async function closeAll(server: Server, sockets: Iterable<Socket>): Promise<void> {
  const socketsClosed = [...sockets]
    .filter((socket) => !socket.closed) // 'close' comes once: a socket that had it would be waited for forever
    .map((socket) => new Promise((resolve) => socket.destroy().once('close', resolve)));
  const listenerClosed = once(server, 'close');
  server.close();
  await Promise.all([...socketsClosed, listenerClosed]);
}
