import { createLogger } from '../../shared/logger.js';
import type { ThreadAttachment } from './control.js';
import { ThreadProxy } from './thread-proxy.js';

/**
 * The piscina task that is a worker thread's whole life: it runs this thread's proxy until the supervisor says
 * stop. One such task per thread (concurrentTasksPerWorker 1); if the thread dies, piscina starts a replacement
 * and the supervisor attaches it to the same slot.
 */
export default async function attach(attachment: ThreadAttachment): Promise<void> {
  const log = createLogger(attachment.config.logLevel, attachment.slot);
  const proxy = new ThreadProxy(attachment, log);
  // An uncaught error ends the thread, not the process: the client side is closed first, because a thread that
  // ends while uWS holds sockets aborts the whole process (FEASIBILITY A8); then the supervisor replaces it.
  const die = (error: unknown): void => {
    log.fatal({ cause: error instanceof Error ? error.message : String(error) }, 'worker thread failed; it ends and is replaced');
    proxy.closeClientSide();
    process.exit(1);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  await proxy.run();
}
