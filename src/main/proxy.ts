import type { Logger } from 'pino';
import { PoolIndex } from '../pool/pool-index.js';
import { viewPool } from '../pool/pool-view.js';
import type { ExecutorSettings } from '../workers/upstream/executor-settings.js';
import type { ExecutorSlots } from '../workers/executor-slots.js';
import { InThreadSlots } from '../workers/in-thread-slots.js';
import { canPreconnect } from '../workers/upstream/preconnect.js';
import { WorkerSupervisor } from './thread-supervisor.js';
import type { Acceptor, EngineView } from '../workers/client/acceptor.js';
import { startAdminServer, type AdminServer } from './admin-server.js';
import type { Config } from './config.js';
import { Forwarder } from '../workers/router/forwarder.js';
import { NodeAcceptor } from '../workers/client/node-acceptor.js';
import { UwsAcceptor } from '../workers/client/uws-acceptor.js';
import { loadNativeUws } from '../workers/client/uws-loader.js';

export interface RunningProxy {
  port: number;
  engine: EngineView;
  /** The admin listener's port; 0 when ATOM_ADMIN_PORT=0 turned it off. */
  adminPort: number;
  /** Stops accepting, lets in-flight atoms finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/** Assembles and starts the proxy: pool index → forwarder → executors (threads or in-thread) → acceptor. */
export async function startProxy(config: Config, log: Logger): Promise<RunningProxy> {
  const upstreams = config.upstreams;
  if (config.upstream.minIdle > 0 && !canPreconnect) {
    throw new Error('ATOM_UPSTREAM_MIN_IDLE needs undici Client [kConnect], which this undici version lacks');
  }
  // Before any worker thread starts: a refusal then leaves nothing to stop. uWS 20.57 reads its header-size limit
  // (4 KiB by default) from the environment as it loads: give it ours, so that ATOM_MAX_HEADER_BYTES is the limit
  // whichever build runs (uWS answers 431 itself above it; for 20.30, which ignores the variable, atomproxy does).
  if (config.acceptor === 'uws') process.env.UWS_HTTP_MAX_HEADERS_SIZE = String(config.client.maxHeaderBytes);
  const uws = config.acceptor === 'uws' ? loadNativeUws() : null;
  const engine: EngineView = uws ? { acceptor: 'uws', build: uws.build } : { acceptor: 'node', build: `node:http ${process.version}` };
  const index = PoolIndex.create(upstreams.length, Math.max(1, config.workers));
  const forwarder = new Forwarder(
    {
      upstreams,
      maxConnectionsPerUpstream: config.upstream.maxConnections,
      queueMax: config.upstream.queueMax,
      queueTimeoutMs: config.upstream.queueTimeoutMs,
      maxBodyBytes: config.client.maxBodyBytes,
      maxFails: config.upstream.maxFails,
      failTimeoutMs: config.upstream.failTimeoutMs,
      routing: config.upstream.routing,
      retries: config.upstream.retries,
      replayMaxBodyBytes: config.upstream.replayMaxBodyBytes,
    },
    index,
    log,
  );
  const settings: ExecutorSettings = {
    upstreams,
    connectTimeoutMs: config.upstream.connectTimeoutMs,
    idleTimeoutMs: config.upstream.idleTimeoutMs,
    responseTimeoutMs: config.upstream.responseTimeoutMs,
    maxConnections: config.upstream.maxConnections,
    maxIdle: config.upstream.maxIdle,
    minIdle: config.upstream.minIdle,
    maxRequestsPerConnection: config.upstream.maxRequestsPerConnection,
    maxLifetimeMs: config.upstream.maxLifetimeMs,
  };
  const slots: ExecutorSlots =
    config.workers === 0
      ? new InThreadSlots(settings, index, forwarder)
      : new WorkerSupervisor(config.workers, settings, index, forwarder);
  forwarder.attach(slots);
  const acceptor: Acceptor =
    uws ? new UwsAcceptor(uws.module, config.client, forwarder, log) : new NodeAcceptor(config, forwarder, log);
  let port: number;
  let admin: AdminServer | null = null;
  try {
    port = await acceptor.listen(config.host, config.port);
    if (config.admin.port !== 0) {
      admin = await startAdminServer(config.admin.host, config.admin.port, engine, index, upstreams, slots, log);
    }
  } catch (error) {
    await acceptor.stopAccepting();
    await acceptor.close();
    await slots.close();
    throw error;
  }

  return {
    port,
    engine,
    adminPort: admin?.port ?? 0,
    async close(graceMs = 10_000) {
      await acceptor.stopAccepting();
      const deadline = performance.now() + graceMs;
      // Atoms, responses still flushing to clients, and connections executors have not let go of yet
      // (a cancelled atom's connection is released a moment after the acceptor forgot it).
      const draining = () => forwarder.inFlight > 0 || acceptor.responding > 0 || index.busyTotal() > 0;
      while (draining() && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (draining()) {
        log.warn(
          { atoms: forwarder.inFlight, responses: acceptor.responding, busyConnections: index.busyTotal(), graceMs },
          'drain grace expired; cutting what is left',
        );
      }
      await acceptor.close();
      await admin?.close();
      log.info({ pool: viewPool(index, upstreams) }, 'upstream pool counters at shutdown');
      await slots.close();
    },
  };
}
