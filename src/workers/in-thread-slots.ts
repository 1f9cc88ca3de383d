import { LocalLink } from '../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../atom/messages.js';
import type { PoolIndex } from '../pool/pool-index.js';
import type { ExecutorSettings } from './upstream/executor-settings.js';
import type { ExecutorSlots, SlotListener } from './executor-slots.js';
import { Executor } from './upstream/executor.js';

/** ATOM_WORKERS=0: one executor in the acceptor thread, reached without any thread hop. */
export class InThreadSlots implements ExecutorSlots {
  readonly count = 1;
  readonly threads = 0;
  private readonly executor: Executor;
  private readonly link: LocalLink<ToExecutor>;

  constructor(settings: ExecutorSettings, index: PoolIndex, listener: SlotListener) {
    this.executor = new Executor(new LocalLink<ToAcceptor>((message) => listener.deliver(0, message)), settings, index, 0);
    this.link = new LocalLink<ToExecutor>(this.executor.receive);
  }

  linkTo(): LocalLink<ToExecutor> {
    return this.link;
  }

  kill(): void {
    throw new Error('ATOM_WORKERS=0 runs no worker thread');
  }

  close(): Promise<void> {
    return this.executor.close();
  }
}
