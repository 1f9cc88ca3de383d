import type { Logger } from 'pino';
import type { Link } from '../../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../../atom/messages.js';
import { chooseWorker, MUST_WAIT, type WorkerRouting } from '../../pool/choose-worker.js';
import type { AtomStats, ReplayReason } from '../../pool/atom-stats.js';
import { Cell, Thread, Upstream, type PoolIndex } from '../../pool/pool-index.js';
import { UpstreamHealth } from '../../pool/upstream-health.js';
import type { AtomHandle, AtomRequest, ClientResponder } from '../client/client-side.js';
import { errorText } from '../client/error-text.js';
import type { AccessLog } from './access-log.js';
import { AtomQueue } from './atom-queue.js';
import { Balancer, type BalanceMethod } from './balancer.js';
import { Exchange, type ExchangeHost } from './exchange.js';
import { maySendAgain, type FailureReason } from './replay-policy.js';

/** The executors a router can send atoms to: its own thread's, and the other threads' over their links. */
export interface Executors {
  /** The link to a slot's executor; changes when a lost thread is replaced, so look it up per send. */
  linkTo(slot: number): Link<ToExecutor>;
  /** False while a slot's thread is lost and not yet replaced: no atom may hop there. */
  reachable(slot: number): boolean;
}

export interface ForwarderPolicy {
  upstreams: string[];
  maxConnectionsPerUpstream: number;
  queueMax: number;
  queueTimeoutMs: number;
  maxBodyBytes: number;
  /** Connection failures in a row that take an upstream out of rotation (0: never). */
  maxFails: number;
  failTimeoutMs: number;
  routing: WorkerRouting;
  /** Times one atom may be sent again after a failed attempt (ATOM_UPSTREAM_RETRIES). */
  retries: number;
  replayMaxBodyBytes: number;
  balance: BalanceMethod;
  weights: number[];
  /** ATOM_PREFER_LAST_UPSTREAM: a client connection's next atom goes where its previous one went, if available. */
  preferLast: boolean;
}

/** The handle for a request answered before it became an atom: its body, if any, is discarded. */
const IGNORED_BODY: AtomHandle = { body() {}, bodyEnd() {}, clientGone() {} };

/** Tells clients that a 503 for lack of capacity is worth retrying shortly. */
const RETRY_AFTER = ['retry-after', '1'];

/**
 * One thread's router. An atom's path through it: choose upstream (balancer) → choose worker (pool index: an
 * idle connection here, else one in another thread, else open one here) or wait in the bounded queue → send →
 * relay the response → finish and let the next waiting atom go, in whichever thread it waits.
 */
export class Forwarder implements ExchangeHost {
  private readonly exchanges = new Map<number, Exchange>();
  /** Cancelled atoms whose executor has not yet said `released`, by id. */
  private readonly releasing = new Map<number, Exchange>();
  private readonly queues: Array<AtomQueue<Exchange>>;
  /** Per upstream: a wake-up is already awaited for this thread's queue. */
  private readonly awaitingWake: boolean[];
  private readonly balancer: Balancer;
  private readonly isAvailable: (upstream: number) => boolean;
  /** By open client connection (AtomRequest.connection), the upstream its last atom went to (ATOM_PREFER_LAST_UPSTREAM). */
  private readonly lastUpstream = new Map<number, number>();
  /** By client connection (AtomRequest.connection): the upstream connection pinned to it, and where that is. */
  private readonly pins = new Map<number, { upstream: number; slot: number; pin: number }>();
  private nextId = 1;
  readonly maxBodyBytes: number;
  readonly replayMaxBodyBytes: number;

  constructor(
    private readonly policy: ForwarderPolicy,
    private readonly index: PoolIndex,
    /** What atoms came to, for /metrics. */
    private readonly stats: AtomStats,
    /** This thread's worker slot. */
    private readonly here: number,
    private readonly executors: Executors,
    private readonly log: Logger,
    /** One line per finished atom; null with ATOM_ACCESS_LOG=off. */
    private readonly accessLog: AccessLog | null,
  ) {
    const health = new UpstreamHealth(index, policy.maxFails, policy.failTimeoutMs, (upstream, failures) =>
      log.warn({ upstream: policy.upstreams[upstream], failures, forMs: policy.failTimeoutMs }, 'upstream marked down'),
    );
    this.isAvailable = health.isAvailable;
    this.balancer = new Balancer(policy.balance, policy.weights, index, health.isAvailable);
    this.queues = policy.upstreams.map(
      (_, upstream) =>
        new AtomQueue<Exchange>(policy.queueTimeoutMs, (exchange) => {
          this.index.addRouted(upstream, here, Upstream.QUEUED, -1);
          stats.countQueueRejection(upstream, 'timeout');
          exchange.fail(503, 'waited ATOM_QUEUE_TIMEOUT_MS for an upstream connection', false, RETRY_AFTER);
        }),
    );
    this.awaitingWake = policy.upstreams.map(() => false);
    this.maxBodyBytes = policy.maxBodyBytes;
    this.replayMaxBodyBytes = policy.replayMaxBodyBytes;
  }

  get inFlight(): number {
    return this.exchanges.size;
  }

  open(request: AtomRequest, responder: ClientResponder): AtomHandle {
    if (request.path === '*') return this.answerAsterisk(request, responder);
    const bound = this.boundTo(request.connection);
    const upstream = bound ? bound.upstream : this.pickUpstream(request.connection);
    if (upstream < 0) return this.answerNoServer(request, responder);
    const exchange = new Exchange(this.nextId++, upstream, request, responder, this);
    this.exchanges.set(exchange.id, exchange);
    this.index.addRouted(exchange.upstream, this.here, Upstream.IN_FLIGHT, 1);
    this.index.addThread(this.here, Thread.ATOMS, 1);
    const limit = this.maxBodyBytes;
    if (limit > 0 && request.contentLength > limit) {
      exchange.fail(413, `Content-Length ${request.contentLength} over ATOM_MAX_BODY_BYTES (${limit})`, true);
      return exchange;
    }
    if (bound) {
      // Straight to its client's own connection: no balancing, no queue, no place under the cap to claim; it is
      // assigned there like any atom, so if that connection just ended the one it gets instead is counted right.
      exchange.pin = bound.pin;
      this.index.assign(upstream, this.here, bound.slot, 1);
      this.run(exchange, bound.slot);
    } else {
      this.route(exchange);
    }
    return exchange;
  }

  /** The pinned upstream connection of this client connection, while its server may take atoms and its thread runs. */
  private boundTo(connection: number): { upstream: number; slot: number; pin: number } | undefined {
    if (connection === 0 || this.pins.size === 0) return undefined;
    const bound = this.pins.get(connection);
    if (!bound || (this.isAvailable(bound.upstream) && this.executors.reachable(bound.slot))) return bound;
    this.unpin(connection);
    return undefined;
  }

  /** A client connection closed: what was kept for it goes. */
  clientClosed(connection: number): void {
    this.lastUpstream.delete(connection);
    this.unpin(connection);
  }

  /** The upstream connection pinned to this client connection, if any, is closed by its executor. */
  private unpin(connection: number): void {
    const bound = this.pins.get(connection);
    if (!bound) return;
    this.pins.delete(connection);
    if (this.executors.reachable(bound.slot)) this.linkTo(bound.slot).send({ k: 'unpin', u: bound.upstream, q: bound.pin });
  }

  /** The balancer's choice, or with ATOM_PREFER_LAST_UPSTREAM the one this client connection used last. */
  private pickUpstream(connection: number): number {
    if (!this.policy.preferLast) return this.balancer.pick();
    const last = this.lastUpstream.get(connection);
    const upstream = last !== undefined && this.isAvailable(last) ? last : this.balancer.pick();
    if (upstream >= 0) this.lastUpstream.set(connection, upstream);
    return upstream;
  }

  /**
   * Choose worker → run, or wait in the upstream's bounded queue (its bound counts every thread's waiting
   * atoms), or 503 when that is full. Atoms already waiting here go first.
   */
  private route(exchange: Exchange): void {
    const { upstream } = exchange;
    const queue = this.queues[upstream]!;
    const slot = queue.length > 0 ? MUST_WAIT : this.claimSlot(upstream);
    if (slot !== MUST_WAIT) return this.run(exchange, slot);
    if (!this.index.reserveRouted(upstream, this.here, Upstream.QUEUED, this.policy.queueMax)) {
      this.stats.countQueueRejection(upstream, 'full');
      exchange.fail(503, 'upstream connections busy and ATOM_QUEUE_MAX atoms already waiting', false, RETRY_AFTER);
      return;
    }
    queue.push(exchange);
    // Counted in QUEUED now, so every place freed from here on bumps the wake word: look once more, then wait.
    this.runWaiting(upstream);
  }

  /**
   * Chooses the slot and counts the atom there under the upstream's route lock, so no other thread decides on
   * the same idle connection or the same last place under the cap meanwhile. MUST_WAIT counts nothing.
   */
  private claimSlot(upstream: number): number {
    const { policy, index, here } = this;
    index.lockRoutes(upstream, here);
    const slot = chooseWorker(index, upstream, policy.maxConnectionsPerUpstream, policy.routing, here, this.executors.reachable);
    if (slot !== MUST_WAIT) index.assign(upstream, here, slot, 1);
    index.unlockRoutes(upstream);
    return slot;
  }

  /** No server has an address (DNS named none yet, or none it can reach): 503, and the client may come back. */
  private answerNoServer(request: AtomRequest, responder: ClientResponder): AtomHandle {
    this.log.error({ status: 503, method: request.method, path: request.path, cause: 'no upstream server has an address (DNS)' }, 'atom failed');
    responder.reject(503, errorText(503), RETRY_AFTER, request.hasBody);
    return IGNORED_BODY;
  }

  /**
   * `OPTIONS *` asks about the server itself, and the proxy is the server its client talks to: answer it here
   * (undici cannot send a `*` target). Any other method with `*` is malformed.
   */
  private answerAsterisk(request: AtomRequest, responder: ClientResponder): AtomHandle {
    const allow = ['allow', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'];
    if (request.method === 'OPTIONS') {
      responder.reject(200, '', allow, request.hasBody);
    } else {
      this.log.warn({ status: 400, cause: `${request.method} * is not a valid request` }, 'client request rejected');
      responder.reject(400, errorText(400), [], true);
    }
    return IGNORED_BODY;
  }

  // ---- ExchangeHost ----

  linkTo(slot: number): Link<ToExecutor> {
    return this.executors.linkTo(slot);
  }

  pinned(exchange: Exchange, pin: number): void {
    const { connection } = exchange.request;
    // A second handshake (pipelined past the first) replaces the first: that connection is let go.
    if (this.pins.get(connection)?.pin !== pin) this.unpin(connection);
    this.pins.set(connection, { upstream: exchange.upstream, slot: exchange.slot, pin });
  }

  finished(exchange: Exchange, cancelled: boolean): void {
    this.exchanges.delete(exchange.id);
    this.index.addRouted(exchange.upstream, this.here, Upstream.IN_FLIGHT, -1);
    if (exchange.slot < 0) {
      if (this.queues[exchange.upstream]!.remove(exchange)) this.index.addRouted(exchange.upstream, this.here, Upstream.QUEUED, -1);
    } else if (cancelled && this.executors.reachable(exchange.slot)) {
      // A cancelled atom's connection may stay busy a moment after the cancel: it keeps its place under the cap
      // until its executor says `released`, or forever if that thread is gone.
      this.releasing.set(exchange.id, exchange);
    } else {
      this.unassign(exchange.upstream, exchange.slot);
    }
    // Last: the client may already hold its whole response, and its next request must find the connection free.
    this.count(exchange);
    this.accessLog?.write(exchange, this.policy.upstreams[exchange.upstream]!);
  }

  /** Counts the finished atom's answer and latencies into the shared stats. */
  private count(exchange: Exchange): void {
    const { stats } = this;
    const { upstream, upstreamFacts: facts } = exchange;
    stats.countStatus(upstream, exchange.answeredStatus);
    if (exchange.queuedMs >= 0) stats.observe(upstream, 'queue', exchange.queuedMs);
    if (facts) {
      if (!facts.r) stats.observe(upstream, 'connect', facts.c);
      stats.observe(upstream, 'first_byte', facts.f);
    }
    stats.observe(upstream, 'total', exchange.totalMs());
  }

  /** An atom left `slot`: its place there is free for atoms waiting in this thread or any other. */
  private unassign(upstream: number, slot: number): void {
    this.index.assign(upstream, this.here, slot, -1);
    this.index.wake(upstream);
    this.runWaiting(upstream);
  }

  retry(exchange: Exchange, reason: FailureReason, cause: string): boolean {
    const { policy } = this;
    const facts = {
      method: exchange.request.method,
      headers: exchange.request.headers,
      responseStarted: exchange.responseStarted,
      bodyHeld: exchange.bodyHeld,
      retriesUsed: exchange.retries,
      retriesAllowed: policy.retries,
    };
    if (!maySendAgain(reason, facts)) return false;
    // A connection that could not be made says nothing good about its upstream: try another one if any.
    const upstream = reason === 'connect' ? this.balancer.pickOther(exchange.upstream) : exchange.upstream;
    if (upstream < 0) return false;
    const { slot, upstream: from } = exchange;
    this.index.count(from, slot, Cell.REPLAYS, 1);
    this.stats.countReplay(from, reason as ReplayReason); // maySendAgain never lets 'final' through
    this.log.warn(
      { atom: exchange.id, method: exchange.request.method, reason, cause, worker: slot, attempt: exchange.retries + 2,
        from: policy.upstreams[from], to: policy.upstreams[upstream] },
      'atom sent again',
    );
    this.index.addRouted(from, this.here, Upstream.IN_FLIGHT, -1);
    this.index.addRouted(upstream, this.here, Upstream.IN_FLIGHT, 1);
    // Its pinned connection, if it rode one, failed: the next attempt and the client's next atoms start afresh.
    if (exchange.pin > 0) this.unpin(exchange.request.connection);
    exchange.upstream = upstream;
    exchange.prepareRetry();
    // The failed attempt's place under the old upstream's cap is free again for atoms waiting there.
    this.unassign(from, slot);
    this.route(exchange);
    return true;
  }

  logFailure(exchange: Exchange, status: number, cause: string): void {
    const line = { atom: exchange.id, upstream: this.policy.upstreams[exchange.upstream], worker: exchange.slot, status, cause };
    if (status >= 500) this.log.error(line, 'atom failed');
    else if (status === 499) this.log.debug(line, 'client went away');
    else this.log.warn(line, 'request rejected');
  }

  // ---- from the executors ----

  /** A message from an executor; one for an atom already ended here (a cancel crossed it) is dropped. */
  readonly deliver = (message: ToAcceptor): void => {
    if (message.k === 'unpinned') {
      if (this.pins.get(message.c)?.pin === message.q) this.pins.delete(message.c);
      return;
    }
    if (message.k !== 'released') return this.exchanges.get(message.id)?.receive(message);
    const cancelled = this.releasing.get(message.id);
    if (!cancelled) return;
    this.releasing.delete(message.id);
    this.unassign(cancelled.upstream, cancelled.slot);
  };

  /**
   * Another thread died (and is unreachable already): the atoms this thread had sent there are replayed where
   * the rule allows, else 502; cancelled ones no longer wait for their `released`.
   */
  lost(slot: number, why: string): void {
    for (const [connection, bound] of this.pins) if (bound.slot === slot) this.pins.delete(connection);
    for (const cancelled of [...this.releasing.values()].filter((exchange) => exchange.slot === slot)) {
      this.releasing.delete(cancelled.id);
      this.unassign(cancelled.upstream, slot);
    }
    // Collect first: failing one lets queued atoms start, and those must not be mistaken for victims.
    const victims = [...this.exchanges.values()].filter((exchange) => exchange.slot === slot);
    const cause = `worker thread lost: ${why}`;
    for (const exchange of victims) {
      if (!this.retry(exchange, 'lost', cause)) exchange.fail(502, cause, false);
    }
    // The dead thread's connections no longer count against the caps: atoms waiting for them may go now.
    this.runAllWaiting();
  }

  /** The atom's slot is claimed (`claimSlot`): send it there. */
  private run(exchange: Exchange, slot: number): void {
    if (slot !== this.here) this.index.addThread(this.here, Thread.HOPS, 1);
    exchange.start(slot);
  }

  /**
   * Runs this thread's waiting atoms again once a place may have come free in any thread (PoolIndex.wake).
   * `seen` was read before the attempt that found no place, so a wake in between is not missed.
   */
  private awaitWake(upstream: number, seen: number): void {
    if (this.awaitingWake[upstream]) return;
    this.awaitingWake[upstream] = true;
    void this.index.nextWake(upstream, seen).then(() => {
      this.awaitingWake[upstream] = false;
      this.runWaiting(upstream);
    });
  }

  private runAllWaiting(): void {
    for (let upstream = 0; upstream < this.queues.length; upstream++) this.runWaiting(upstream);
  }

  private runWaiting(upstream: number): void {
    const queue = this.queues[upstream]!;
    while (queue.length > 0) {
      const seen = this.index.wakeSeen(upstream);
      const slot = this.claimSlot(upstream);
      if (slot === MUST_WAIT) return this.awaitWake(upstream, seen);
      this.index.addRouted(upstream, this.here, Upstream.QUEUED, -1);
      this.run(queue.shift()!, slot);
    }
  }
}
