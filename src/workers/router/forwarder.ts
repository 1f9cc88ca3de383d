import type { Logger } from 'pino';
import type { Link } from '../../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../../atom/messages.js';
import { chooseWorker, MUST_WAIT, type WorkerRouting } from '../../pool/choose-worker.js';
import { Cell, Upstream, type PoolIndex } from '../../pool/pool-index.js';
import { UpstreamHealth } from '../../pool/upstream-health.js';
import type { ExecutorSlots, SlotListener } from '../executor-slots.js';
import { AtomQueue } from './atom-queue.js';
import { RoundRobinBalancer } from './balancer.js';
import type { AtomHandle, AtomRequest, ClientResponder } from '../client/client-side.js';
import { errorText } from '../client/error-text.js';
import { Exchange, type ExchangeHost } from './exchange.js';
import { maySendAgain, type FailureReason } from './replay-policy.js';

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
}

/** The handle for a request answered before it became an atom: its body, if any, is discarded. */
const IGNORED_BODY: AtomHandle = { body() {}, bodyEnd() {}, clientGone() {} };

/** Tells clients that a 503 for lack of capacity is worth retrying shortly. */
const RETRY_AFTER = ['retry-after', '1'];

/**
 * The acceptor's router. An atom's path through it: choose upstream (balancer) → choose worker (pool index)
 * or wait in the bounded queue → send → relay the response → finish and let the next waiting atom go.
 */
export class Forwarder implements ExchangeHost, SlotListener {
  private readonly exchanges = new Map<number, Exchange>();
  private readonly queues: Array<AtomQueue<Exchange>>;
  private readonly balancer: RoundRobinBalancer;
  private slots: ExecutorSlots | null = null;
  private nextId = 1;
  private readonly debug: boolean;
  readonly maxBodyBytes: number;
  readonly replayMaxBodyBytes: number;

  constructor(
    private readonly policy: ForwarderPolicy,
    private readonly index: PoolIndex,
    private readonly log: Logger,
  ) {
    const health = new UpstreamHealth(index, policy.maxFails, policy.failTimeoutMs, (upstream, failures) =>
      log.warn({ upstream: policy.upstreams[upstream], failures, forMs: policy.failTimeoutMs }, 'upstream marked down'),
    );
    this.balancer = new RoundRobinBalancer(policy.upstreams.length, health.isAvailable);
    this.queues = policy.upstreams.map(
      () =>
        new AtomQueue<Exchange>(policy.queueMax, policy.queueTimeoutMs, (exchange) =>
          exchange.fail(503, 'waited ATOM_QUEUE_TIMEOUT_MS for an upstream connection', false, RETRY_AFTER),
        ),
    );
    this.maxBodyBytes = policy.maxBodyBytes;
    this.replayMaxBodyBytes = policy.replayMaxBodyBytes;
    this.debug = log.isLevelEnabled('debug');
  }

  /** The executors must exist before the first atom; they report back into this forwarder. */
  attach(slots: ExecutorSlots): void {
    this.slots = slots;
  }

  get inFlight(): number {
    return this.exchanges.size;
  }

  open(request: AtomRequest, responder: ClientResponder): AtomHandle {
    if (request.path === '*') return this.answerAsterisk(request, responder);
    const exchange = new Exchange(this.nextId++, this.balancer.pick(), request, responder, this);
    this.exchanges.set(exchange.id, exchange);
    this.index.addTotal(exchange.upstream, Upstream.IN_FLIGHT, 1);
    const limit = this.maxBodyBytes;
    if (limit > 0 && request.contentLength > limit) {
      exchange.fail(413, `Content-Length ${request.contentLength} over ATOM_MAX_BODY_BYTES (${limit})`, true);
      return exchange;
    }
    this.route(exchange);
    return exchange;
  }

  /** Choose worker → run, or wait in the upstream's bounded queue, or 503 when that is full. */
  private route(exchange: Exchange): void {
    const slot = this.chooseSlot(exchange);
    if (slot !== MUST_WAIT) this.run(exchange, slot);
    else if (!this.queues[exchange.upstream]!.push(exchange)) {
      exchange.fail(503, 'upstream connections busy and ATOM_QUEUE_MAX atoms already waiting', false, RETRY_AFTER);
    }
  }

  private chooseSlot(exchange: Exchange): number {
    const { policy, index } = this;
    const home = exchange.request.home % index.workerSlots;
    return chooseWorker(index, exchange.upstream, policy.maxConnectionsPerUpstream, policy.routing, home);
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
    return this.slots!.linkTo(slot);
  }

  finished(exchange: Exchange): void {
    this.exchanges.delete(exchange.id);
    this.index.addTotal(exchange.upstream, Upstream.IN_FLIGHT, -1);
    if (this.debug) {
      this.log.debug(
        { atom: exchange.id, method: exchange.request.method, path: exchange.request.path, status: exchange.status,
          upstream: this.policy.upstreams[exchange.upstream], worker: exchange.slot,
          ms: Math.round(performance.now() - exchange.startedAt) },
        'atom done',
      );
    }
    if (exchange.slot < 0) {
      this.queues[exchange.upstream]!.remove(exchange);
      return;
    }
    this.index.count(exchange.upstream, exchange.slot, Cell.ASSIGNED, -1);
    this.runWaiting(exchange.upstream);
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
    this.index.count(from, slot, Cell.ASSIGNED, -1);
    this.index.count(from, slot, Cell.REPLAYS, 1);
    this.log.warn(
      { atom: exchange.id, method: exchange.request.method, reason, cause, worker: slot, attempt: exchange.retries + 2,
        from: policy.upstreams[from], to: policy.upstreams[upstream] },
      'atom sent again',
    );
    this.index.addTotal(from, Upstream.IN_FLIGHT, -1);
    this.index.addTotal(upstream, Upstream.IN_FLIGHT, 1);
    exchange.upstream = upstream;
    exchange.prepareRetry();
    this.route(exchange);
    // The failed attempt's place under the old upstream's cap is free again for atoms waiting there.
    this.runWaiting(from);
    return true;
  }

  logFailure(exchange: Exchange, status: number, cause: string): void {
    const line = { atom: exchange.id, upstream: this.policy.upstreams[exchange.upstream], worker: exchange.slot, status, cause };
    if (status >= 500) this.log.error(line, 'atom failed');
    else if (status === 499) this.log.debug(line, 'client went away');
    else this.log.warn(line, 'request rejected');
  }

  // ---- SlotListener ----

  deliver(_slot: number, message: ToAcceptor): void {
    const exchange = this.exchanges.get(message.id);
    if (exchange) exchange.receive(message);
    // The acceptor already ended this atom (a cancel crossed its end on the way): its worker just freed a
    // connection nobody asked for, so let waiting atoms look again. Cheap when every queue is empty.
    else if (message.k === 'end' || message.k === 'fail' || message.k === 'released') this.runAllWaiting();
  }

  lost(slot: number, error: Error): void {
    this.log.error({ worker: slot, cause: error.message }, 'worker thread lost; piscina is replacing it');
    // Collect first: failing one lets queued atoms start, and those must not be mistaken for victims.
    const victims = [...this.exchanges.values()].filter((exchange) => exchange.slot === slot);
    const cause = `worker thread lost: ${error.message}`;
    for (const exchange of victims) {
      if (!this.retry(exchange, 'lost', cause)) exchange.fail(502, cause, false);
    }
    // The dead thread's connections no longer count against the caps: atoms waiting for them may go now.
    this.runAllWaiting();
  }

  private run(exchange: Exchange, slot: number): void {
    this.index.count(exchange.upstream, slot, Cell.ASSIGNED, 1);
    exchange.start(slot);
  }

  private runAllWaiting(): void {
    for (let upstream = 0; upstream < this.queues.length; upstream++) this.runWaiting(upstream);
  }

  private runWaiting(upstream: number): void {
    const queue = this.queues[upstream]!;
    while (queue.length > 0) {
      const slot = this.chooseSlot(queue.peek()!);
      if (slot === MUST_WAIT) return;
      this.run(queue.shift()!, slot);
    }
  }
}
