import type { MessagePort } from 'node:worker_threads';
import { PortLink } from '../../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../../atom/messages.js';
import { PoolIndex } from '../../pool/pool-index.js';
import type { ExecutorSettings } from '../upstream/executor-settings.js';
import { Executor } from '../upstream/executor.js';

/** What the acceptor hands a worker thread when it attaches it to a slot. */
export interface WorkerAttachment {
  port: MessagePort;
  slot: number;
  indexBuffer: SharedArrayBuffer;
  workerSlots: number;
  settings: ExecutorSettings;
}

/** The stop request: one of the two messages on the port that are not a batch of atom messages. */
export const STOP = 'stop';
/** The admin's kill request: the thread throws an uncaught error, exactly as a crash would end it. */
export const CRASH = 'crash';

/**
 * The piscina task that is a worker's whole life: it runs an executor on `port` until the acceptor says stop.
 * One such task per thread (concurrentTasksPerWorker 1); if the thread dies, piscina replaces it and the
 * supervisor attaches the replacement to the same slot.
 */
export default async function attach(attachment: WorkerAttachment): Promise<void> {
  const { port, slot, settings } = attachment;
  const index = new PoolIndex(attachment.indexBuffer, settings.upstreams.length, attachment.workerSlots);
  const executor = new Executor(new PortLink<ToAcceptor>(port), settings, index, slot);
  await new Promise<void>((resolve) => {
    port.on('message', (message: ToExecutor[] | typeof STOP | typeof CRASH) => {
      if (message === CRASH) {
        setImmediate(() => {
          throw new Error(`worker ${slot} killed by an admin request`);
        });
        return;
      }
      if (message !== STOP) {
        for (const atomMessage of message) executor.receive(atomMessage);
        return;
      }
      void executor.close().then(() => {
        port.close();
        resolve();
      });
    });
  });
}
