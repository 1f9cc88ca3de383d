import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { PoolIndex } from '../pool/pool-index.js';
import { viewPool, viewThreads } from '../pool/pool-view.js';
import type { EngineView } from '../workers/client/acceptor.js';
import { http } from '../shared/node-http.js';
import type { Config } from './config.js';
import { createMetrics } from './metrics.js';
import type { ThreadSupervisor } from './thread-supervisor.js';

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

const POOL_PATH = '/__atomproxy/pool';
const METRICS_PATH = '/metrics';
/** Ends a worker thread as a crash would (the drill the supervisor's recovery is built for). */
const KILL_PATH = /^\/__atomproxy\/workers\/(\d+)\/kill$/;

/** Hashed first, so the comparison takes the same time whatever the length or the first differing byte. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** True when no token is set, or the request carries `Authorization: Bearer <the token>`. */
function authorized(request: IncomingMessage, token: string | null): boolean {
  if (token === null) return true;
  const given = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The admin listener (ATOM_ADMIN_PORT, loopback unless ATOM_ADMIN_HOST says otherwise, and then only with
 * ATOM_ADMIN_TOKEN): reads the shared pool index, and with ATOM_ADMIN_ALLOW_KILL=1 can kill a worker thread.
 * Separate from the proxy port so no client request can reach it.
 */
export async function startAdminServer(
  { host, port, token, allowKill }: Config['admin'],
  engine: EngineView,
  index: PoolIndex,
  upstreams: string[],
  threads: Pick<ThreadSupervisor, 'threads' | 'kill'>,
  log: Logger,
): Promise<AdminServer> {
  const metrics = createMetrics(index, upstreams);
  const server: Server = http.createServer((request, response) => {
    request.resume();
    answer(request, response);
  });
  const answer = (request: IncomingMessage, response: ServerResponse): void => {
    if (!authorized(request, token)) return reply(response, 401, 'send Authorization: Bearer <ATOM_ADMIN_TOKEN>\n', ['www-authenticate', 'Bearer']);
    const path = (request.url ?? '').split('?')[0]!;
    const kill = KILL_PATH.exec(path);
    if (path === POOL_PATH) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'use GET\n', ['allow', 'GET, HEAD']);
      const view = { engine, workers: threads.threads, threads: viewThreads(index), upstreams: viewPool(index, upstreams) };
      return reply(response, 200, JSON.stringify(view), ['content-type', 'application/json']);
    }
    if (path === METRICS_PATH) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'use GET\n', ['allow', 'GET, HEAD']);
      void metrics.metrics().then(
        (text) => reply(response, 200, text, ['content-type', metrics.contentType]),
        (error: Error) => reply(response, 500, `metrics failed: ${error.message}\n`),
      );
      return;
    }
    if (kill) {
      if (request.method !== 'POST') return reply(response, 405, 'use POST\n', ['allow', 'POST']);
      if (!allowKill) return reply(response, 403, 'the kill drill is off; start with ATOM_ADMIN_ALLOW_KILL=1 to allow it\n');
      const slot = Number(kill[1]);
      if (slot >= threads.threads) return reply(response, 404, `no worker ${slot}: workers are 0 to ${threads.threads - 1}\n`);
      log.warn({ worker: slot }, 'admin request: killing a worker thread');
      threads.kill(slot);
      return reply(response, 202, `worker ${slot} is being killed; piscina replaces it\n`);
    }
    reply(response, 404, `not found; try GET ${POOL_PATH} or GET ${METRICS_PATH}\n`);
  };
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(`ATOM_ADMIN_PORT ${port} on ATOM_ADMIN_HOST ${host}: ${(error as Error).message}`);
  }
  server.on('error', (error) => log.error({ cause: error.message }, 'admin listener error'));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function reply(response: ServerResponse, status: number, body: string, headers: string[] = ['content-type', 'text/plain']): void {
  response.writeHead(status, [...headers, 'content-length', String(Buffer.byteLength(body))]);
  response.end(body);
}
