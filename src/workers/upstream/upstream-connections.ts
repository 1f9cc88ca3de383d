import type { Link } from '../../atom/link.js';
import type { ToAcceptor } from '../../atom/messages.js';
import { Client } from './undici-client.js';
import { connectionsTo } from '../../pool/choose-worker.js';
import { Cell, ServerState, Upstream, type PoolIndex } from '../../pool/pool-index.js';
import type { ExecutorSettings } from './executor-settings.js';
import { preconnect } from './preconnect.js';
import { presetServerName, upstreamTransport, type UpstreamTransport } from './upstream-tls.js';

type SocketState = 'closed' | 'connecting' | 'open';

/** Pause before replacing a warm connection that closed or could not be opened. */
const WARM_RETRY_MS = 1000;
const NO_CELL = -1;

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
  /** Sockets this Client opened, so a call can tell whether a new one was opened during its attempt. */
  opens = 0;
  openedAt = 0;
  /** Bound to one client connection (UpstreamConnections.pin): its pin number; 0 when it serves anyone. */
  pin = 0;
  /** Whom to tell when a pinned connection ends on its own (closed, drained): that client connection's router. */
  owner: PinOwner | null = null;
  /** False once it must serve no other atom (a handshake began on it that no client connection can own). */
  reusable = true;
  constructor(readonly client: Client) {}
}

/** The router of the client connection a pinned upstream connection belongs to, and that client connection. */
export interface PinOwner {
  link: Link<ToAcceptor>;
  client: number;
}

/** Pins given in this thread; a pin is that count times 64 plus the thread's slot, so no two threads give the same. */
let pinsGiven = 0;

/** The pool index cell that counts a connection in this state (docs/pool.md). */
function cellOf(socket: SocketState, inUse: boolean, pinned: boolean): number {
  if (socket === 'open') return inUse ? Cell.BUSY : pinned ? Cell.PINNED : Cell.IDLE;
  if (socket === 'connecting') return inUse ? Cell.CONNECTING : Cell.WARMING;
  return NO_CELL;
}

/**
 * This worker's connections to one upstream, and the pool limits that apply to them. Connections no atom holds
 * form a stack so the most recently used (warmest) one serves the next atom and the coldest ones reach their
 * idle timeout and close. Every state change goes through `move`, which mirrors it into the shared pool index:
 * that is how every thread's router finds idle connections in any thread.
 */
export class UpstreamConnections {
  /** Connections no atom holds, in any socket state; the newest last. */
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  /** Connections bound to a client connection, by pin number; they are never in `idle`. */
  private readonly pinned = new Map<number, UpstreamConnection>();
  /** This worker's part of ATOM_UPSTREAM_MIN_IDLE. */
  private readonly warmShare: number;
  private closing = false;
  private warmTimer: NodeJS.Timeout | null = null;
  /** Shared by every Client of this upstream here (one TLS session cache); see upstream-tls.ts. */
  readonly transport: UpstreamTransport;

  constructor(
    /** Where its connections go: the server's address, as an origin. */
    private readonly origin: string,
    /** The upstream as configured: its host is the TLS name (src/pool/server-slots.ts). */
    configured: string,
    private readonly settings: ExecutorSettings,
    private readonly index: PoolIndex,
    private readonly upstream: number,
    private readonly slot: number,
  ) {
    const { minIdle } = settings;
    const slots = index.workerSlots;
    this.warmShare = Math.floor(minIdle / slots) + (slot < minIdle % slots ? 1 : 0);
    this.transport = upstreamTransport(configured, settings.tls, settings.connectTimeoutMs);
  }

  /**
   * The newest open connection still within its lifetime, else one being opened ahead of traffic, else a
   * closed Client to reopen, else a new one. One that comes back open was pooled: a failure on it before any
   * answer may be the keep-alive race (the upstream closed it while it sat idle).
   */
  acquire(pin = 0): UpstreamConnection {
    const bound = pin ? this.pinned.get(pin) : undefined;
    // The client's own connection, if it is still open and free; else the handshake starts again on another one.
    if (bound && bound.socket === 'open' && !bound.inUse) {
      this.move(bound, 'open', true);
      bound.requests++;
      this.count(Cell.REQUESTS, 1);
      this.count(Cell.REUSED, 1);
      return bound;
    }
    let connection = this.takeIdle('open');
    while (connection && this.expired(connection)) {
      this.retire(connection);
      connection = this.takeIdle('open');
    }
    if (connection) this.count(Cell.REUSED, 1);
    connection ??= this.takeIdle('connecting') ?? this.takeIdle('closed') ?? this.open();
    this.move(connection, connection.socket === 'closed' ? 'connecting' : connection.socket, true);
    connection.requests++;
    this.count(Cell.REQUESTS, 1);
    return connection;
  }

  /** The atom is over. Keep the connection unless a pool limit says it has served enough, or the server drains. */
  release(connection: UpstreamConnection): void {
    const draining = !this.isActive();
    if (connection.pin) {
      if (connection.socket !== 'open') {
        // Its socket closed under the atom (`disconnected` counted it): drop the Client.
        this.move(connection, connection.socket, false);
        this.drop(connection);
      } else if (this.pinned.has(connection.pin) && !draining) {
        this.move(connection, 'open', false);
      } else {
        // Its client connection closed while it carried an atom, or its server drains.
        this.endPin(connection);
        this.retire(connection);
      }
      return;
    }
    if (connection.socket === 'open' && (draining || !connection.reusable || !this.withinLimits(connection) || !this.move(connection, 'open', false))) {
      this.retire(connection);
      return;
    }
    this.move(connection, connection.socket, false);
    this.idle.push(connection);
    this.warm();
  }

  /**
   * Opens connections until this worker holds its share of ATOM_UPSTREAM_MIN_IDLE, within the global cap: the
   * cap is checked, and the connection counted, under the route lock, as routers do (choose-worker.ts).
   */
  warm(): void {
    if (this.warmShare === 0 || this.closing) return;
    // Not taking atoms (its address not yet handed to every thread, draining, or out by its health checks): look
    // again later rather than open connections to it.
    if (!this.takesAtoms()) return this.warmLater();
    let spare = this.idle.filter((connection) => connection.socket !== 'closed').length;
    const { maxConnections } = this.settings;
    for (; spare < this.warmShare; spare++) {
      this.index.lockRoutes(this.upstream, this.slot);
      const underCap = maxConnections === 0 || connectionsTo(this.index, this.upstream) < maxConnections;
      const connection = underCap ? this.takeIdle('closed') ?? this.open() : null;
      if (connection) this.move(connection, 'connecting', false);
      this.index.unlockRoutes(this.upstream);
      if (!connection) return;
      this.idle.push(connection);
      preconnect(connection.client);
    }
  }

  /**
   * The upstream failed its health checks, or drains: close the connections to it no atom holds, pinned ones too
   * (busy ones finish first).
   */
  closeIdle(): void {
    for (const connection of this.idle.filter((idle) => idle.socket === 'open')) this.retire(connection);
    for (const connection of [...this.pinned.values()]) {
      this.endPin(connection);
      if (!connection.inUse) this.retire(connection); // else `release` retires it
    }
  }

  /**
   * Binds the connection, which carries an atom now (so it counts as BUSY, and as PINNED once idle), to that
   * atom's client connection (an NTLM or Negotiate handshake authenticates the connection, not the requests):
   * from now on it serves only atoms that name its pin.
   */
  pin(connection: UpstreamConnection, owner: PinOwner): number {
    if (connection.pin) return connection.pin;
    connection.pin = ++pinsGiven * 64 + this.slot;
    connection.owner = owner;
    this.pinned.set(connection.pin, connection);
    return connection.pin;
  }

  /** Whether the connection is bound to a client connection now. */
  isPinned(connection: UpstreamConnection): boolean {
    return connection.pin !== 0 && this.pinned.has(connection.pin);
  }

  /** Its client connection closed: close the pinned connection (its authentication must not serve anyone else). */
  unpin(pin: number): void {
    const connection = this.pinned.get(pin);
    if (!connection) return;
    this.pinned.delete(pin);
    connection.owner = null; // the router asked: it knows
    if (!connection.inUse) this.retire(connection); // else `release` retires it
  }

  /** A pinned connection ends without its client asking: its router forgets the pin. */
  private endPin(connection: UpstreamConnection): void {
    if (!this.pinned.delete(connection.pin)) return;
    connection.owner?.link.send({ k: 'unpinned', c: connection.owner.client, q: connection.pin });
    connection.owner = null;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.warmTimer) clearTimeout(this.warmTimer);
    await Promise.all([...this.all].map((connection) => connection.client.destroy()));
  }

  /** Takes the newest connection in `socket` state off the idle stack. */
  private takeIdle(socket: SocketState): UpstreamConnection | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (this.idle[i]!.socket === socket) return this.idle.splice(i, 1)[0];
    }
    return undefined;
  }

  /**
   * Puts a connection in a new state and moves its count between index cells, keeping the upstream's
   * CONNECTIONS and IDLE totals in step. False, with nothing changed, when it would become idle but
   * ATOM_UPSTREAM_MAX_IDLE has no place left: the caller closes it instead.
   */
  private move(connection: UpstreamConnection, socket: SocketState, inUse: boolean): boolean {
    const pinned = connection.pin !== 0;
    const from = cellOf(connection.socket, connection.inUse, pinned);
    const to = cellOf(socket, inUse, pinned);
    if (to === Cell.IDLE && from !== Cell.IDLE && !this.index.reserveTotal(this.upstream, Upstream.IDLE, this.settings.maxIdle)) {
      return false;
    }
    if (from === Cell.IDLE && to !== Cell.IDLE) this.index.addTotal(this.upstream, Upstream.IDLE, -1);
    if ((from === NO_CELL) !== (to === NO_CELL)) this.index.addTotal(this.upstream, Upstream.CONNECTIONS, to === NO_CELL ? -1 : 1);
    // Taken from one cell before it is added to the other: a router reading meanwhile sees less, never more.
    if (from !== NO_CELL) this.count(from, -1);
    if (to !== NO_CELL) this.count(to, 1);
    connection.socket = socket;
    connection.inUse = inUse;
    if (to === Cell.IDLE || to === NO_CELL) this.index.wake(this.upstream);
    return true;
  }

  /** The server has an address every thread uses: not waiting for one, not draining (ServerState). */
  private isActive(): boolean {
    return this.index.total(this.upstream, Upstream.STATE) === ServerState.ACTIVE;
  }

  private takesAtoms(): boolean {
    return this.isActive() && this.index.total(this.upstream, Upstream.CHECK_FAILED) === 0;
  }

  private withinLimits(connection: UpstreamConnection): boolean {
    return !this.servesNoMore(connection) && !this.expired(connection);
  }

  /** The connection's current request is the last ATOM_UPSTREAM_MAX_REQUESTS allows it. */
  servesNoMore(connection: UpstreamConnection): boolean {
    const { maxRequestsPerConnection } = this.settings;
    return maxRequestsPerConnection > 0 && connection.requests >= maxRequestsPerConnection;
  }

  private expired(connection: UpstreamConnection): boolean {
    const { maxLifetimeMs } = this.settings;
    return maxLifetimeMs > 0 && performance.now() - connection.openedAt >= maxLifetimeMs;
  }

  /** Closes an open connection for good: its Client is dropped from every list. */
  private retire(connection: UpstreamConnection): void {
    this.count(Cell.CLOSED, 1);
    this.move(connection, 'closed', false);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.drop(connection);
  }

  /** Lets go of a connection's Client for good. */
  private drop(connection: UpstreamConnection): void {
    this.all.delete(connection);
    void connection.client.close();
  }

  /**
   * Replaces a warm connection that closed or failed to open, after a pause: an upstream that closes idle
   * connections at once, or refuses them, must not turn the warm pool into a reconnect loop.
   */
  private warmLater(): void {
    if (this.warmShare === 0 || this.warmTimer || this.closing) return;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      this.warm();
    }, WARM_RETRY_MS);
  }

  private open(): UpstreamConnection {
    const { settings } = this;
    const client = new Client(this.origin, {
      pipelining: 1,
      connect: this.transport.connect,
      keepAliveTimeout: settings.idleTimeoutMs,
      keepAliveMaxTimeout: settings.idleTimeoutMs,
      // Close one second before the upstream's advertised Keep-Alive timeout, never after it.
      keepAliveTimeoutThreshold: 1000,
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
    });
    if (this.transport.servername) presetServerName(client, this.transport.servername);
    const connection = new UpstreamConnection(client);
    client.on('connect', () => this.connected(connection));
    client.on('connectionError', () => this.connectFailed(connection));
    client.on('disconnect', () => this.disconnected(connection));
    this.all.add(connection);
    return connection;
  }

  /** From 'connecting', or from 'closed' when the socket died under a request undici then sent on a new one. */
  private connected(connection: UpstreamConnection): void {
    if (connection.socket === 'open') return;
    connection.opens++;
    connection.openedAt = performance.now();
    connection.requests = connection.inUse ? 1 : 0;
    this.count(Cell.OPENED, 1);
    this.index.setTotal(this.upstream, Upstream.CONNECT_FAILURES, 0);
    // A warm connection whose server stopped taking atoms while it was being opened is not kept.
    if (!this.move(connection, 'open', connection.inUse) || (!connection.inUse && !this.takesAtoms())) this.retire(connection);
  }

  private connectFailed(connection: UpstreamConnection): void {
    this.index.addTotal(this.upstream, Upstream.CONNECT_FAILURES, 1);
    if (connection.socket !== 'connecting') return;
    this.move(connection, 'closed', connection.inUse);
    if (!connection.inUse) this.warmLater();
  }

  private disconnected(connection: UpstreamConnection): void {
    if (connection.socket !== 'open') return;
    this.count(Cell.CLOSED, 1);
    this.move(connection, 'closed', connection.inUse);
    if (connection.pin) {
      // Its authentication is gone with the socket: the Client is dropped, as `retire` drops one.
      this.endPin(connection);
      if (!connection.inUse) this.drop(connection);
      return;
    }
    if (!connection.inUse) this.warmLater();
  }

  private count(field: number, delta: number): void {
    this.index.count(this.upstream, this.slot, field, delta);
  }
}
