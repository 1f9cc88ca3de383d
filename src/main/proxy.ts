import type { Logger } from 'pino';
import { PoolIndex } from '../pool/pool-index.js';
import type { ExecutorSettings } from '../workers/executor-settings.js';
import type { ExecutorSlots } from '../workers/executor-slots.js';
import { InThreadSlots } from '../workers/in-thread-slots.js';
import { WorkerSupervisor } from '../workers/worker-supervisor.js';
import type { Acceptor } from './acceptor.js';
import type { Config } from './config.js';
import { Forwarder } from './forwarder.js';
import { NodeAcceptor } from './node-acceptor.js';
import { createUwsAcceptor } from './uws-acceptor.js';

export interface RunningProxy {
  port: number;
  /** Stops accepting, lets in-flight atoms finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/** Assembles and starts the proxy: pool index → forwarder → executors (threads or in-thread) → acceptor. */
export async function startProxy(config: Config, log: Logger): Promise<RunningProxy> {
  const upstreams = config.upstreams;
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
    },
    index,
    log,
  );
  const settings: ExecutorSettings = {
    upstreams,
    connectTimeoutMs: config.upstream.connectTimeoutMs,
    idleTimeoutMs: config.upstream.idleTimeoutMs,
    responseTimeoutMs: config.upstream.responseTimeoutMs,
  };
  const slots: ExecutorSlots =
    config.workers === 0
      ? new InThreadSlots(settings, index, forwarder)
      : new WorkerSupervisor(config.workers, settings, index, forwarder);
  forwarder.attach(slots);
  const acceptor: Acceptor =
    config.acceptor === 'uws' ? await createUwsAcceptor(forwarder, log) : new NodeAcceptor(config, forwarder, log);
  let port: number;
  try {
    port = await acceptor.listen(config.host, config.port);
  } catch (error) {
    await slots.close();
    throw error;
  }

  return {
    port,
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
      log.info({ upstreams, pool: index.snapshot() }, 'upstream pool counters at shutdown');
      await slots.close();
    },
  };
}
