import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AtomStats } from '../pool/atom-stats.js';
import type { PoolIndex } from '../pool/pool-index.js';
import { viewPool, viewThreads } from '../pool/pool-view.js';
import type { EngineView } from '../workers/client/acceptor.js';
import { http } from '../shared/node-http.js';
import type { Config } from './config.js';
import { createMetrics } from './metrics.js';
import type { Fleet } from './server-discovery.js';
import { startPoolHistory } from './pool-history.js';
import { STATUS_PAGE_HTML } from './status-page.js';
import type { ThreadSupervisor } from './thread-supervisor.js';

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

const STATUS_PAGE_PATH = '/';
const POOL_PATH = '/__atomproxy/pool';
const HISTORY_PATH = '/__atomproxy/history';
const METRICS_PATH = '/metrics';
/** Ends a worker thread as a crash would (the drill the supervisor's recovery is built for). */
const KILL_PATH = /^\/__atomproxy\/workers\/(\d+)\/kill$/;
/** How often a proxy started while ATOM_ADMIN_PORT is taken tries to take it. */
const ADMIN_RETRY_MS = 500;

/**
 * The status page runs only its own inline script and style, loads nothing, talks only to this listener, and may
 * not be framed by another site.
 */
const STATUS_PAGE_HEADERS = [
  'content-type', 'text/html; charset=utf-8',
  'cache-control', 'no-store',
  'content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
];

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
 * Separate from the proxy port so no client request can reach it. GET / is the status page: it holds no data,
 * so it is served without the token; the page's own requests carry it.
 */
export async function startAdminServer(
  { host, port, token, allowKill }: Config['admin'],
  engine: EngineView,
  index: PoolIndex,
  stats: AtomStats,
  /** The servers, named in the view with their address and weight. */
  fleet: Fleet,
  threads: Pick<ThreadSupervisor, 'threads' | 'kill'>,
  log: Logger,
): Promise<AdminServer> {
  const keys = fleet.servers.map((server) => server.key);
  const metrics = createMetrics(index, stats, keys);
  const history = startPoolHistory(index, keys);
  const server: Server = http.createServer((request, response) => {
    request.resume();
    answer(request, response);
  });
  const answer = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '').split('?')[0]!;
    if (path === STATUS_PAGE_PATH) {
      if (readOnly(request, response)) reply(response, 200, STATUS_PAGE_HTML, STATUS_PAGE_HEADERS);
      return;
    }
    if (!authorized(request, token)) return reply(response, 401, 'send Authorization: Bearer <ATOM_ADMIN_TOKEN>\n', ['www-authenticate', 'Bearer']);
    const kill = KILL_PATH.exec(path);
    if (path === POOL_PATH) {
      if (!readOnly(request, response)) return;
      const pool = viewPool(index, keys).map((view, at) => ({ ...view, origin: fleet.originOf(at), weight: fleet.servers[at]!.weight }));
      const view = { engine, workers: threads.threads, threads: viewThreads(index), upstreams: pool };
      return reply(response, 200, JSON.stringify(view), ['content-type', 'application/json']);
    }
    if (path === HISTORY_PATH) {
      if (readOnly(request, response)) reply(response, 200, JSON.stringify(history.view()), ['content-type', 'application/json']);
      return;
    }
    if (path === METRICS_PATH) {
      if (!readOnly(request, response)) return;
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
    reply(response, 404, `not found; try GET ${STATUS_PAGE_PATH} (the status page), GET ${POOL_PATH}, GET ${HISTORY_PATH} or GET ${METRICS_PATH}\n`);
  };
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const listen = async (): Promise<void> => {
    if (closed) return;
    server.listen(port, host);
    try {
      await once(server, 'listening');
      if (closed) server.close(); // the proxy stopped while this retry was binding
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      // A restart: the atomproxy this one replaces still holds the port while it drains (docs/configuration.md).
      if (retry === undefined) log.warn({ adminPort: port, retryMs: ADMIN_RETRY_MS }, 'ATOM_ADMIN_PORT is in use (an atomproxy being replaced?): taking it once it is free');
      retry = setTimeout(() => {
        listen().then(
          () => server.listening && log.info({ adminPort: port }, 'admin listener now listening'),
          (later: Error) => log.error({ adminPort: port, cause: later.message }, 'admin listener could not listen'),
        );
      }, ADMIN_RETRY_MS).unref();
    }
  };
  try {
    await listen();
  } catch (error) {
    history.stop();
    throw new Error(`ATOM_ADMIN_PORT ${port} on ATOM_ADMIN_HOST ${host}: ${(error as Error).message}`);
  }
  // Failed listens are handled above; this is for errors once listening.
  server.on('error', (error) => server.listening && log.error({ cause: error.message }, 'admin listener error'));
  return {
    port: (server.address() as AddressInfo | null)?.port ?? port,
    close: () => new Promise((resolve) => {
      closed = true;
      clearTimeout(retry);
      history.stop();
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** True for GET and HEAD; answers 405 to any other method. */
function readOnly(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  reply(response, 405, 'use GET\n', ['allow', 'GET, HEAD']);
  return false;
}

function reply(response: ServerResponse, status: number, body: string, headers: string[] = ['content-type', 'text/plain']): void {
  response.writeHead(status, [...headers, 'content-length', String(Buffer.byteLength(body))]);
  response.end(body);
}
