import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { AtomStats } from '../../pool/atom-stats.js';
import { Thread, PoolIndex } from '../../pool/pool-index.js';
import type { Acceptor, EngineView } from '../client/acceptor.js';
import { NodeAcceptor } from '../client/node-acceptor.js';
import { loadServerCertificates, type ServerTls } from '../client/server-certificates.js';
import { UwsAcceptor } from '../client/uws-acceptor.js';
import { loadNativeUws } from '../client/uws-loader.js';
import { AccessLog } from '../router/access-log.js';
import { Forwarder, type ForwarderPolicy } from '../router/forwarder.js';
import type { ExecutorSettings } from '../upstream/executor-settings.js';
import { canPreconnect } from '../upstream/preconnect.js';
import { UpstreamConnections } from '../upstream/upstream-connections.js';
import type { ControlMessage, ThreadAttachment, ThreadReport } from './control.js';
import { publishLoopDelay } from './loop-delay.js';
import { ThreadLinks } from './thread-links.js';

/** The variable naming each listener, in the order of `acceptors` and of the listen message's ports. */
const LISTENER_VARIABLES = ['ATOM_PORT', 'ATOM_TLS_PORT'];

/** How often a draining thread looks whether its clients' atoms are over. */
const DRAIN_POLL_MS = 20;
/**
 * A draining thread with client connections still open closes them once none sent a request for this long:
 * clients under load meet a `Connection: close` answer well before, and an idle keep-alive client is not about
 * to send one (closing an idle connection always races a request on its way; the quiet time makes it rare).
 */
const DRAIN_QUIET_MS = 1000;

/** This thread's Linux thread id (the first field of /proc/thread-self/stat), 0 where there is no /proc. */
function linuxThreadId(): number {
  try {
    return Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
  } catch {
    return 0;
  }
}

/**
 * One worker thread as a whole proxy for the clients it accepts: its acceptor (node:http or uWS, on the shared
 * port), its router, its upstream connections, and links to every other thread for atoms that hop to an idle
 * connection held there. The supervisor in the main thread drives it with ControlMessages.
 */
export class ThreadProxy {
  private readonly engine: EngineView;
  private readonly index: PoolIndex;
  /** Per server, the connections to its address; null for a DNS slot without one. */
  private readonly pools: Array<UpstreamConnections | null>;
  private readonly settings: ExecutorSettings;
  private readonly links: ThreadLinks;
  private readonly forwarder: Forwarder;
  private readonly accessLog: AccessLog | null;
  private readonly stopLoopDelay: () => void;
  /** The plain listener, then the TLS one when ATOM_TLS_PORT is set: one engine instance each. */
  private readonly acceptors: Acceptor[];

  constructor(
    private readonly attachment: ThreadAttachment,
    log: Logger,
  ) {
    const { slot, config } = attachment;
    // Checked in the thread that owns connections: the main thread never loads undici.
    if (config.upstream.minIdle > 0 && !canPreconnect) {
      throw new Error('ATOM_UPSTREAM_MIN_IDLE needs undici Client [kConnect], which this undici version lacks');
    }
    const uws = config.acceptor === 'uws' ? loadNativeUws() : null;
    this.engine = uws ? { acceptor: 'uws', build: uws.build } : { acceptor: 'node', build: `node:http ${process.version}` };
    this.index = new PoolIndex(attachment.indexBuffer, config.servers.length, config.workers, true);
    this.settings = config.upstream;
    this.pools = attachment.origins.map((origin, server) => (origin ? this.poolFor(server, origin) : null));
    this.links = new ThreadLinks(slot, config.workers, this.pools, (message) => this.forwarder.deliver(message), attachment.peers);
    this.accessLog = config.accessLog ? new AccessLog(config.accessLog, slot) : null;
    const stats = new AtomStats(attachment.statsBuffer, config.servers.length);
    this.forwarder = new Forwarder(forwarderPolicy(config), this.index, stats, slot, this.links, log, this.accessLog);
    const acceptorFor = (tls: ServerTls | null): Acceptor =>
      uws ? new UwsAcceptor(uws.module, config.client, this.forwarder, log, tls) : new NodeAcceptor(config, this.forwarder, log, tls);
    const tls = config.tls ? { certificates: loadServerCertificates(config.tls), ticketKeys: attachment.ticketKeys } : null;
    this.acceptors = tls ? [acceptorFor(null), acceptorFor(tls)] : [acceptorFor(null)];
    this.index.setThread(slot, Thread.TID, linuxThreadId());
    this.stopLoopDelay = publishLoopDelay(this.index, slot);
    this.index.setThread(slot, Thread.REACHABLE, 1);
    for (const pool of this.pools) pool?.warm();
  }

  private poolFor(server: number, origin: string): UpstreamConnections {
    const { config, slot } = this.attachment;
    return new UpstreamConnections(origin, config.servers[server]!.upstream, this.settings, this.index, server, slot);
  }

  /** Runs until `stop`; resolves once everything of this thread is closed. */
  run(): Promise<void> {
    const { control } = this.attachment;
    this.report({ k: 'ready', engine: this.engine });
    return new Promise((resolve) => {
      control.on('message', (message: ControlMessage) => {
        if (message.k === 'stop') void this.close().then(resolve);
        else this.obey(message);
      });
    });
  }

  /** A crash: close the client side first, so that uWS holds no socket when the thread ends (FEASIBILITY A8). */
  closeClientSide(): void {
    for (const acceptor of this.acceptors) {
      void acceptor.stopAccepting();
      void acceptor.close();
    }
  }

  private obey(message: Exclude<ControlMessage, { k: 'stop' }>): void {
    const { slot } = this.attachment;
    switch (message.k) {
      case 'listen':
        Promise.all(
          this.acceptors.map((acceptor, i) =>
            acceptor.listen(message.host, message.ports[i]!, message.shared).catch((error: Error) => {
              throw new Error(`${LISTENER_VARIABLES[i]} ${message.ports[i]}: ${error.message}`);
            }),
          ),
        ).then(
          (ports) => {
            this.index.setThread(slot, Thread.ACCEPTING, 1);
            this.report({ k: 'listening', ports });
          },
          (error: Error) => this.report({ k: 'listenFailed', message: error.message }),
        );
        break;
      case 'peer':
        this.links.connect(message.slot, message.ports);
        break;
      case 'lost':
        // Unreachable first, so no atom replayed or started by `lost` is sent to the dead thread.
        this.links.disconnect(message.slot);
        this.forwarder.lost(message.slot, message.why);
        break;
      case 'drain':
        this.index.setThread(slot, Thread.ACCEPTING, 0);
        void Promise.all(this.acceptors.map((acceptor) => acceptor.stopAccepting())).then(() => this.reportDrained());
        break;
      case 'closeIdle':
        this.pools[message.upstream]?.closeIdle();
        break;
      case 'server': {
        // Only an EMPTY slot gets an address and only a drained one loses it: the old pool holds nothing.
        void this.pools[message.server]?.close();
        const pool = message.origin ? this.poolFor(message.server, message.origin) : null;
        this.pools[message.server] = pool;
        pool?.warm();
        this.report({ k: 'serverSet', server: message.server });
        break;
      }
      case 'crash':
        setImmediate(() => {
          throw new Error(`worker ${slot} killed by an admin request`);
        });
        break;
    }
  }

  /**
   * Atoms of this thread's clients and responses still being written to them are all over, and every client
   * connection closed, or none sent a request for DRAIN_QUIET_MS (the thread's close then cuts the idle ones).
   */
  private reportDrained(): void {
    const busy = this.forwarder.inFlight > 0 || this.acceptors.some((acceptor) => acceptor.responding > 0);
    const clientsLeft = this.acceptors.some((acceptor) => acceptor.openConnections !== 0);
    const lastRequestAt = Math.max(...this.acceptors.map((acceptor) => acceptor.lastRequestAt));
    if (busy || (clientsLeft && performance.now() - lastRequestAt < DRAIN_QUIET_MS)) {
      setTimeout(() => this.reportDrained(), DRAIN_POLL_MS);
      return;
    }
    // A request still on its way in (its head half read when the drain began) must not start an atom now.
    for (const acceptor of this.acceptors) acceptor.refuseRequests();
    this.report({ k: 'drained' });
  }

  private async close(): Promise<void> {
    this.index.setThread(this.attachment.slot, Thread.REACHABLE, 0);
    await Promise.all(this.acceptors.map((acceptor) => acceptor.close()));
    this.links.close();
    await Promise.all(this.pools.map((pool) => pool?.close()));
    await this.accessLog?.close();
    this.stopLoopDelay();
    this.attachment.control.close();
  }

  private report(report: ThreadReport): void {
    this.attachment.control.postMessage(report);
  }
}

function forwarderPolicy(config: ThreadAttachment['config']): ForwarderPolicy {
  const { upstream } = config;
  return {
    upstreams: config.servers.map((server) => server.key),
    maxConnectionsPerUpstream: upstream.maxConnections,
    queueMax: upstream.queueMax,
    queueTimeoutMs: upstream.queueTimeoutMs,
    maxBodyBytes: config.client.maxBodyBytes,
    maxFails: upstream.maxFails,
    failTimeoutMs: upstream.failTimeoutMs,
    routing: upstream.routing,
    retries: upstream.retries,
    replayMaxBodyBytes: upstream.replayMaxBodyBytes,
    balance: upstream.balance,
    weights: config.servers.map((server) => server.weight),
    preferLast: upstream.preferLast,
  };
}
