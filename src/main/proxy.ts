import type { Logger } from 'pino';
import { AtomStats } from '../pool/atom-stats.js';
import { PoolIndex } from '../pool/pool-index.js';
import { viewPool } from '../pool/pool-view.js';
import type { EngineView } from '../workers/client/acceptor.js';
import { startAdminServer, type AdminServer } from './admin-server.js';
import { HealthChecks } from './health-checks.js';
import { ServerDiscovery } from './server-discovery.js';
import type { Config } from './config.js';
import { nodeReusePortRefusal } from './reuse-port.js';
import { ThreadSupervisor } from './thread-supervisor.js';

export interface RunningProxy {
  port: number;
  /** The TLS listener's port; null without ATOM_TLS_PORT. */
  tlsPort: number | null;
  engine: EngineView;
  /** Which threads accept client connections, and why not all when they do not. */
  accepting: string;
  /** The admin listener's port; 0 when ATOM_ADMIN_PORT=0 turned it off. */
  adminPort: number;
  /** Stops accepting, lets in-flight atoms finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/** Starts the proxy: the shared pool index, one whole proxy per worker thread, the admin listener. */
export async function startProxy(config: Config, log: Logger): Promise<RunningProxy> {
  // uWS 20.57 reads its header-size limit (4 KiB by default) from the environment as it loads, in each thread:
  // give it ours, so that ATOM_MAX_HEADER_BYTES is the limit whichever build runs (uWS answers 431 itself above
  // it; for 20.30, which ignores the variable, atomproxy does). Threads copy the environment as they start.
  if (config.acceptor === 'uws') process.env.UWS_HTTP_MAX_HEADERS_SIZE = String(config.client.maxHeaderBytes);
  const refusal = config.acceptor === 'node' ? nodeReusePortRefusal() : null;
  const accepting = refusal ? `thread 0 only: ${refusal}` : 'every thread';
  const index = PoolIndex.create(config.servers.length, config.workers);
  const stats = AtomStats.create(config.servers.length);
  const keys = config.servers.map((server) => server.key);
  const discovery = new ServerDiscovery(config, index, log);
  await discovery.resolveAtStart();
  log.info(
    { servers: config.servers.map((server, at) => ({ server: server.key, origin: discovery.originOf(at), weight: server.weight })) },
    'upstream servers',
  );
  const supervisor = new ThreadSupervisor(config, index, stats, discovery.snapshot(), refusal === null, log);
  let ports: number[];
  let engine: EngineView;
  let admin: AdminServer | null = null;
  try {
    ({ ports, engine } = await supervisor.start());
    if (config.admin.port !== 0) {
      admin = await startAdminServer(config.admin, engine, index, stats, discovery, supervisor, log);
    }
  } catch (error) {
    await supervisor.close();
    throw error;
  }
  discovery.start(supervisor);
  const checks = config.upstream.healthCheck
    ? new HealthChecks(config.upstream.healthCheck, discovery, config.upstream.tls, index, log, (server) => supervisor.closeIdle(server))
    : null;
  if (config.acceptor === 'uws') {
    log.warn(
      'uws engine: uWebSockets.js ends a request\'s header list at a field line with an empty or ":"-led name, so a ' +
        'Content-Length after it goes unseen; do not put it behind a front proxy that sends several clients\' ' +
        'requests over one connection (docs/configuration.md)',
    );
  }

  return {
    port: ports[0]!,
    tlsPort: ports[1] ?? null,
    engine,
    accepting,
    adminPort: admin?.port ?? 0,
    async close(graceMs = 10_000) {
      checks?.stop();
      discovery.stop();
      if (!(await supervisor.drain(graceMs))) {
        log.warn(
          { threads: supervisor.undrained(), busyConnections: index.busyTotal(), graceMs },
          'drain grace expired; cutting what is left',
        );
      }
      await admin?.close();
      await supervisor.close();
      // Read once every thread has closed its connections: a thread still moving one (an idle timeout during the
      // drain) would show it half-moved between two cells.
      log.info({ pool: viewPool(index, keys) }, 'upstream pool counters at shutdown');
    },
  };
}
