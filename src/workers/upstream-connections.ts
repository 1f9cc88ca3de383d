import { Client } from 'undici';
import { Cell, Upstream, type PoolIndex } from '../pool/pool-index.js';
import type { ExecutorSettings } from './executor-settings.js';
import { preconnect } from './preconnect.js';

type SocketState = 'closed' | 'connecting' | 'open';

/** Pause before replacing a warm connection that closed. */
const WARM_RETRY_MS = 1000;

/**
 * One undici Client is one upstream TCP connection at a time (pipelining 1). A Client whose connection closed
 * stays usable: undici reconnects it on the next request, and the 'connect' event counts that as a new one.
 */
export class UpstreamConnection {
  socket: SocketState = 'closed';
  /** Carrying an atom (acquired and not yet released). */
  inUse = false;
  /** Requests sent over the current socket. */
  requests = 0;
  /** Sockets this Client opened, so a call can tell whether its own attempt ever connected. */
  opens = 0;
  openedAt = 0;
  constructor(readonly client: Client) {}
}

/**
 * This worker's connections to one upstream, and the pool limits that apply to them. The idle ones form a
 * stack so the most recently used (warmest) connection serves the next atom and the coldest ones reach their
 * idle timeout and close. Every state change is mirrored into the shared pool index (IDLE, BUSY, CONNECTING
 * and the upstream's totals), which is how the acceptor routes atoms to idle connections across workers.
 */
export class UpstreamConnections {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  /** This worker's part of ATOM_UPSTREAM_MIN_IDLE. */
  private readonly warmShare: number;
  private closing = false;
  private warmTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly origin: string,
    private readonly settings: ExecutorSettings,
    private readonly index: PoolIndex,
    private readonly upstream: number,
    private readonly slot: number,
  ) {
    const { minIdle } = settings;
    const slots = index.workerSlots;
    this.warmShare = Math.floor(minIdle / slots) + (slot < minIdle % slots ? 1 : 0);
  }

  /**
   * The newest idle open connection that is still within its lifetime, else a closed Client to reopen, else a
   * new one. A connection that comes back open was pooled: a failure on it before any answer may be the
   * keep-alive race (the upstream closed it while it sat idle).
   */
  acquire(): UpstreamConnection {
    let connection: UpstreamConnection | undefined;
    for (let i = this.idle.length - 1; i >= 0 && !connection; i--) {
      const candidate = this.idle[i]!;
      if (candidate.socket !== 'open') continue;
      this.idle.splice(i, 1);
      this.leaveIdle();
      if (this.expired(candidate)) this.retire(candidate);
      else connection = candidate;
    }
    if (connection) {
      this.count(Cell.BUSY, 1);
      this.count(Cell.REUSED, 1);
    } else {
      const closedAt = this.idle.findIndex((candidate) => candidate.socket === 'closed');
      connection = closedAt >= 0 ? this.idle.splice(closedAt, 1)[0]! : this.open(this.settings.idleTimeoutMs);
      this.startConnecting(connection);
    }
    connection.inUse = true;
    connection.requests++;
    this.count(Cell.REQUESTS, 1);
    return connection;
  }

  /** The atom is over. Keep the connection idle unless a pool limit says it has served enough. */
  release(connection: UpstreamConnection): void {
    connection.inUse = false;
    if (connection.socket === 'open') {
      this.count(Cell.BUSY, -1);
      if (!this.mayIdle(connection)) {
        this.retire(connection);
        return;
      }
      this.count(Cell.IDLE, 1);
    }
    this.idle.push(connection);
    this.warm();
  }

  /** Opens connections until this worker holds its share of ATOM_UPSTREAM_MIN_IDLE, within the global cap. */
  warm(): void {
    if (this.warmShare === 0 || this.closing) return;
    let spare = 0;
    for (const connection of this.idle) if (connection.socket !== 'closed') spare++;
    const { maxConnections } = this.settings;
    for (; spare < this.warmShare; spare++) {
      if (maxConnections > 0 && this.index.total(this.upstream, Upstream.CONNECTIONS) >= maxConnections) return;
      // Warm connections wait for traffic as long as a connection may live, not the ordinary idle timeout.
      const connection = this.open(this.settings.maxLifetimeMs || this.settings.idleTimeoutMs);
      this.startConnecting(connection);
      this.idle.push(connection);
      preconnect(connection.client);
    }
  }

  /**
   * Replaces a warm connection that closed, after a pause: an upstream that closes idle connections at once
   * must not turn the warm pool into a reconnect loop.
   */
  private warmLater(): void {
    if (this.warmShare === 0 || this.warmTimer) return;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      this.warm();
    }, WARM_RETRY_MS);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.warmTimer) clearTimeout(this.warmTimer);
    await Promise.all([...this.all].map((connection) => connection.client.destroy()));
  }

  private mayIdle(connection: UpstreamConnection): boolean {
    const { maxRequestsPerConnection } = this.settings;
    if (maxRequestsPerConnection > 0 && connection.requests >= maxRequestsPerConnection) return false;
    if (this.expired(connection)) return false;
    return this.index.reserveTotal(this.upstream, Upstream.IDLE, this.settings.maxIdle);
  }

  private expired(connection: UpstreamConnection): boolean {
    const { maxLifetimeMs } = this.settings;
    return maxLifetimeMs > 0 && performance.now() - connection.openedAt >= maxLifetimeMs;
  }

  /** Closes an open connection that is neither idle nor busy in the counters any more, for good. */
  private retire(connection: UpstreamConnection): void {
    connection.socket = 'closed';
    this.closedOne();
    this.all.delete(connection);
    void connection.client.close();
  }

  private startConnecting(connection: UpstreamConnection): void {
    connection.socket = 'connecting';
    this.count(Cell.CONNECTING, 1);
    this.index.addTotal(this.upstream, Upstream.CONNECTIONS, 1);
  }

  private closedOne(): void {
    this.count(Cell.CLOSED, 1);
    this.index.addTotal(this.upstream, Upstream.CONNECTIONS, -1);
  }

  private open(idleTimeoutMs: number): UpstreamConnection {
    const { settings } = this;
    const client = new Client(this.origin, {
      pipelining: 1,
      connect: { timeout: settings.connectTimeoutMs },
      keepAliveTimeout: idleTimeoutMs,
      keepAliveMaxTimeout: idleTimeoutMs,
      // Close one second before the upstream's advertised Keep-Alive timeout, never after it.
      keepAliveTimeoutThreshold: 1000,
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
    });
    const connection = new UpstreamConnection(client);
    client.on('connect', () => this.connected(connection));
    client.on('connectionError', () => this.connectFailed(connection));
    client.on('disconnect', () => this.disconnected(connection));
    this.all.add(connection);
    return connection;
  }

  private connected(connection: UpstreamConnection): void {
    if (connection.socket === 'open') return;
    // From 'closed': the socket died under a request that undici then sent on a new one by itself.
    if (connection.socket === 'closed') this.index.addTotal(this.upstream, Upstream.CONNECTIONS, 1);
    else this.count(Cell.CONNECTING, -1);
    connection.socket = 'open';
    connection.opens++;
    connection.openedAt = performance.now();
    connection.requests = connection.inUse ? 1 : 0;
    this.count(Cell.OPENED, 1);
    this.index.setTotal(this.upstream, Upstream.CONNECT_FAILURES, 0);
    if (connection.inUse) this.count(Cell.BUSY, 1);
    else if (this.index.reserveTotal(this.upstream, Upstream.IDLE, this.settings.maxIdle)) this.count(Cell.IDLE, 1);
    else this.retire(connection);
  }

  private connectFailed(connection: UpstreamConnection): void {
    this.index.addTotal(this.upstream, Upstream.CONNECT_FAILURES, 1);
    if (connection.socket !== 'connecting') return;
    connection.socket = 'closed';
    this.count(Cell.CONNECTING, -1);
    this.index.addTotal(this.upstream, Upstream.CONNECTIONS, -1);
  }

  private disconnected(connection: UpstreamConnection): void {
    if (connection.socket !== 'open') return;
    connection.socket = 'closed';
    if (connection.inUse) this.count(Cell.BUSY, -1);
    else this.leaveIdle();
    this.closedOne();
    if (!connection.inUse) this.warmLater();
  }

  private leaveIdle(): void {
    this.count(Cell.IDLE, -1);
    this.index.addTotal(this.upstream, Upstream.IDLE, -1);
  }

  private count(field: number, delta: number): void {
    if (delta !== 0) this.index.count(this.upstream, this.slot, field, delta);
  }
}
