import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { createServer, type AddressInfo } from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Piscina } from 'piscina';
import type { AtomStats } from '../pool/atom-stats.js';
import type { PoolIndex } from '../pool/pool-index.js';
import type { EngineView } from '../workers/client/acceptor.js';
import type { ControlMessage, PeerPorts, ThreadAttachment, ThreadReport } from '../workers/thread/control.js';
import type { Config } from './config.js';

/** How long a stopping thread may take to close its connections before piscina terminates it. */
const STOP_GRACE_MS = 5000;
/** The young-generation size of each worker thread's V8 heap (see the Piscina options below). */
const YOUNG_GENERATION_MB = 8;
/** Pause before replacing a replacement that died before it was ready, so a thread that cannot start does not spin. */
const REPLACE_RETRY_MS = 1000;
/** How long a new server address waits for every thread to hold its pool before it takes traffic anyway. */
const SERVER_ACK_MS = 2000;

/** A port nothing listens on now, as the kernel gives one for port 0. */
async function unusedPort(host: string): Promise<number> {
  const server = createServer().listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/**
 * Gives the worker threads created from now on a `gc` function, for the minor collections that free relayed
 * body buffers early (src/workers/thread/young-buffers.ts). V8 flags are per process and Worker refuses them in
 * execArgv; contexts made after this call see the flag, the main thread's own context does not.
 */
function allowYoungBufferCollection(): void {
  setFlagsFromString('--expose-gc');
}

/** One thread's slot as the supervisor sees it. */
interface SlotState {
  control: MessagePort;
  /** Settles when the thread reports `ready` (or dies before it). */
  ready: Promise<EngineView>;
  /** Resolved by the thread's next `listening` or `listenFailed` report. */
  onListen: ((report: Extract<ThreadReport, { k: 'listening' | 'listenFailed' }>) => void) | null;
  drained: boolean;
  life: Promise<void>;
}

/**
 * Starts one worker thread per slot with piscina, each a whole proxy (src/workers/thread), and keeps them: the
 * threads talk to each other over MessagePorts this supervisor creates for every pair, and to it over one
 * control port each. When a thread dies, piscina starts a replacement; the supervisor makes the index forget
 * the dead thread, tells the others, links the replacement to them and has it listen again.
 */
export class ThreadSupervisor {
  private readonly piscina: Piscina;
  private readonly slots: SlotState[] = [];
  private stopping = false;
  /** Drain began: a replacement drains at once instead of listening. */
  private draining = false;
  /** The ports every accepting thread listens on (ATOM_PORT, then ATOM_TLS_PORT), once the first one bound them. */
  private ports: number[];
  /** One set of TLS session-ticket keys for every thread, so sessions resume across threads. */
  private readonly ticketKeys = randomBytes(48);
  /** Per server whose address is being handed out: threads yet to say `serverSet`, and what to call then. */
  private readonly serverAcks = new Map<number, { left: number; done: () => void }>();
  /** Per server, the last change handed out: the next waits for it, so every `serverSet` counts for its own. */
  private readonly serverChanges = new Map<number, Promise<void>>();

  constructor(
    private readonly config: Config,
    private readonly index: PoolIndex,
    private readonly stats: AtomStats,
    /** Per server, the origin of its address now: what every thread, a replacement too, starts with. */
    private readonly origins: Array<string | null>,
    /** Every thread listens on the port (SO_REUSEPORT); false: only thread 0 does. */
    private readonly shared: boolean,
    private readonly log: Logger,
  ) {
    this.ports = config.tls ? [config.port, config.tls.port] : [config.port];
    allowYoungBufferCollection();
    this.piscina = new Piscina({
      filename: new URL('../workers/thread/worker-entry.js', import.meta.url).href,
      minThreads: config.workers,
      maxThreads: config.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // 'sync' would freeze an idle worker's event loop, and with it its sockets (FEASIBILITY B1).
      atomics: 'disabled',
      // V8's default young generation grows to tens of MiB per isolate under load; 8 MiB kept the peak RSS of one
      // worker under hello-world load at 176 MiB against 268 (Node 24, docs/benchmarks.md), at no CPU cost seen.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
  }

  get threads(): number {
    return this.config.workers;
  }

  /** Starts every thread and has the accepting ones listen; resolves with the bound ports and the engine. */
  async start(): Promise<{ ports: number[]; engine: EngineView }> {
    const count = this.config.workers;
    const peers: Array<Record<number, PeerPorts>> = Array.from({ length: count }, () => ({}));
    for (let router = 0; router < count; router++) {
      for (let executor = 0; executor < count; executor++) {
        if (router === executor) continue;
        const { port1, port2 } = new MessageChannel();
        peers[router]![executor] = { ...peers[router]![executor]!, routes: port1 };
        peers[executor]![router] = { ...peers[executor]![router]!, runs: port2 };
      }
    }
    for (let slot = 0; slot < count; slot++) this.attach(slot, peers[slot]!, false);
    const engines = await Promise.all(this.slots.map((slot) => slot.ready));
    // uSockets sets SO_REUSEPORT only on a listener bound to a given port, never on one bound to port 0, so no
    // other thread could join it: pick the ports first.
    if (this.config.acceptor === 'uws' && count > 1) {
      this.ports = await Promise.all(this.ports.map((port) => (port === 0 ? unusedPort(this.config.host) : port)));
    }
    for (let slot = 0; slot < count; slot++) if (slot === 0 || this.shared) await this.listen(slot);
    return { ports: this.ports, engine: engines[0]! };
  }

  kill(slot: number): void {
    this.post(slot, { k: 'crash' });
  }

  /**
   * Gives every thread the server's new address (or takes it away); resolves once each has its pool for it, or
   * after SERVER_ACK_MS (a thread that died meanwhile never answers; its replacement starts with `origins`).
   */
  setServer(server: number, origin: string | null): Promise<void> {
    const change = (this.serverChanges.get(server) ?? Promise.resolve()).then(() => this.handOut(server, origin));
    this.serverChanges.set(server, change);
    return change;
  }

  private handOut(server: number, origin: string | null): Promise<void> {
    this.origins[server] = origin;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.serverAcks.delete(server);
        resolve();
      };
      const timer = setTimeout(done, SERVER_ACK_MS);
      this.serverAcks.set(server, { left: this.slots.length, done });
      this.postAll({ k: 'server', server, origin });
    });
  }

  private serverSet(server: number): void {
    const ack = this.serverAcks.get(server);
    if (ack && --ack.left === 0) ack.done();
  }

  /** Every thread closes its idle connections to `upstream` (it failed its health checks, or is draining). */
  closeIdle(upstream: number): void {
    this.postAll({ k: 'closeIdle', upstream });
  }

  /**
   * Every thread stops accepting at once; resolves true once every thread's atoms and responses are over and
   * no connection is busy, false if `graceMs` ran out first.
   */
  async drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    this.postAll({ k: 'drain' });
    const deadline = performance.now() + graceMs;
    const draining = () => this.slots.some((slot) => !slot.drained) || this.index.busyTotal() > 0;
    while (draining() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return !draining();
  }

  /** Threads that have not reported drained, for the log line when the grace runs out. */
  undrained(): number[] {
    return this.slots.flatMap((slot, number) => (slot.drained ? [] : [number]));
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.postAll({ k: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)));
    await Promise.race([Promise.all(this.slots.map((slot) => slot.life.catch(() => {}))), grace]);
    clearTimeout(timer);
    await this.piscina.destroy();
  }

  /** `replacement`: the slot's thread died once already; one that dies before it is ready is replaced again. */
  private attach(slot: number, peers: Record<number, PeerPorts>, replacement: boolean): void {
    const { port1: control, port2: threadControl } = new MessageChannel();
    let becameReady: (engine: EngineView) => void = () => {};
    let wasReady = false;
    const state: SlotState = {
      control,
      ready: new Promise<EngineView>((resolve) => (becameReady = resolve)),
      onListen: null,
      drained: false,
      life: Promise.resolve(),
    };
    control.on('message', (report: ThreadReport) => {
      if (report.k === 'ready') {
        wasReady = true;
        becameReady(report.engine);
      }
      else if (report.k === 'drained') state.drained = true;
      else if (report.k === 'serverSet') this.serverSet(report.server);
      else state.onListen?.(report);
    });
    const attachment: ThreadAttachment = {
      slot,
      config: this.config,
      indexBuffer: this.index.buffer,
      statsBuffer: this.stats.buffer,
      origins: [...this.origins],
      control: threadControl,
      peers,
      ticketKeys: this.ticketKeys,
    };
    const transfers = [threadControl, ...Object.values(peers).flatMap((ports) => [ports.routes, ports.runs])];
    const life = this.piscina.run(attachment, { transferList: transfers });
    state.life = life.then(
      () => control.close(),
      (error: Error) => {
        control.close();
        state.onListen?.({ k: 'listenFailed', message: `worker ${slot} died: ${error.message}` });
        if (this.stopping) return;
        if (wasReady) this.replace(slot, error);
        // At start, a thread that dies before it is ready fails the start (below): it would fail again.
        else if (replacement) setTimeout(() => this.replace(slot, error), REPLACE_RETRY_MS);
      },
    );
    // A thread that dies before it is ready fails the start with its error (a uWS build that does not load).
    state.ready = Promise.race([state.ready, life.then(() => Promise.reject(new Error(`worker ${slot} ended before it was ready`)))]);
    this.slots[slot] = state;
  }

  private async listen(slot: number): Promise<void> {
    const state = this.slots[slot]!;
    const report = await new Promise<Extract<ThreadReport, { k: 'listening' | 'listenFailed' }>>((resolve) => {
      state.onListen = resolve;
      this.post(slot, { k: 'listen', host: this.config.host, ports: this.ports, shared: this.shared });
    });
    state.onListen = null;
    if (report.k === 'listenFailed') throw new Error(`${report.message} (ATOM_HOST ${this.config.host})`);
    this.ports = report.ports;
  }

  /**
   * A thread died: its connections and the atoms it routed leave the index, the other threads replay or fail
   * what they had sent it and cancel what it had sent them, and a replacement takes the slot, linked to every
   * other thread, and listens again. The others never stop serving meanwhile.
   */
  private replace(slot: number, error: Error): void {
    if (this.stopping) return;
    this.log.error({ worker: slot, cause: error.message }, 'worker thread lost; piscina is replacing it');
    this.index.forgetSlot(slot);
    const peers: Record<number, PeerPorts> = {};
    for (let other = 0; other < this.slots.length; other++) {
      if (other === slot) continue;
      const toReplacement = new MessageChannel();
      const fromReplacement = new MessageChannel();
      peers[other] = { routes: fromReplacement.port1, runs: toReplacement.port2 };
      this.post(other, { k: 'lost', slot, why: error.message });
      this.post(other, { k: 'peer', slot, ports: { routes: toReplacement.port1, runs: fromReplacement.port2 } }, [
        toReplacement.port1,
        fromReplacement.port2,
      ]);
    }
    this.attach(slot, peers, true);
    const accepting = slot === 0 || this.shared;
    void this.slots[slot]!.ready
      .then(async () => {
        if (this.draining) this.post(slot, { k: 'drain' });
        else if (accepting) await this.listen(slot);
      })
      .catch((failure: Error) => this.log.error({ worker: slot, cause: failure.message }, 'replacement worker thread could not start'));
  }

  /** To every thread (a dead one's closed port drops it; its replacement starts from the supervisor's state). */
  private postAll(message: ControlMessage): void {
    for (let slot = 0; slot < this.slots.length; slot++) this.post(slot, message);
  }

  private post(slot: number, message: ControlMessage, transfers: MessagePort[] = []): void {
    this.slots[slot]!.control.postMessage(message, transfers);
  }
}
