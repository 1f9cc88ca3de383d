import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { PortLink, receiveBatches } from '../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../atom/messages.js';
import type { PoolIndex } from '../pool/pool-index.js';
import type { ExecutorSettings } from '../workers/upstream/executor-settings.js';
import type { ExecutorSlots, SlotListener } from '../workers/executor-slots.js';
import { CRASH, STOP, type WorkerAttachment } from '../workers/thread/worker-entry.js';

/** How long a stopping worker may take to close its upstream connections before it is terminated. */
const STOP_GRACE_MS = 5000;

/**
 * Worker threads managed by piscina, one per slot. Each thread runs a single long task (the executor) that
 * talks over its own MessagePort, so requests never pay piscina's per-task cost (FEASIBILITY B1). When a
 * thread dies, piscina starts a replacement; the supervisor reports the loss, makes the pool index forget the
 * dead thread's connections and attaches the new thread to the same slot.
 */
export class WorkerSupervisor implements ExecutorSlots {
  private readonly piscina: Piscina;
  private readonly links: Array<PortLink<ToExecutor>> = [];
  private readonly ports: MessagePort[] = [];
  private readonly lives: Array<Promise<void>> = [];
  private stopping = false;

  constructor(
    readonly count: number,
    private readonly settings: ExecutorSettings,
    private readonly index: PoolIndex,
    private readonly listener: SlotListener,
  ) {
    this.piscina = new Piscina({
      filename: new URL('../workers/thread/worker-entry.js', import.meta.url).href,
      minThreads: count,
      maxThreads: count,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // 'sync' would freeze an idle worker's event loop, and with it its upstream sockets (FEASIBILITY B1).
      atomics: 'disabled',
    });
    for (let slot = 0; slot < count; slot++) this.attach(slot);
  }

  get threads(): number {
    return this.count;
  }

  kill(slot: number): void {
    this.ports[slot]!.postMessage(CRASH);
  }

  linkTo(slot: number): PortLink<ToExecutor> {
    return this.links[slot]!;
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const port of this.ports) port.postMessage(STOP);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)));
    await Promise.race([Promise.all(this.lives), grace]);
    clearTimeout(timer);
    await this.piscina.destroy();
  }

  private attach(slot: number): void {
    const { port1, port2 } = new MessageChannel();
    receiveBatches<ToAcceptor>(port1, (message) => this.listener.deliver(slot, message));
    this.links[slot] = new PortLink<ToExecutor>(port1);
    this.ports[slot] = port1;
    const attachment: WorkerAttachment = {
      port: port2,
      slot,
      indexBuffer: this.index.buffer,
      workerSlots: this.count,
      settings: this.settings,
    };
    this.lives[slot] = this.piscina.run(attachment, { transferList: [port2] }).then(
      () => port1.close(),
      (error: Error) => {
        port1.close();
        if (this.stopping) return;
        this.index.forgetSlot(slot);
        // Attach the replacement first, so atoms that start while the lost ones are failed go to it.
        this.attach(slot);
        this.listener.lost(slot, error);
      },
    );
  }
}
