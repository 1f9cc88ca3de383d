import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Thread, type PoolIndex } from '../../pool/pool-index.js';

/** How often the thread publishes its event-loop delay (and starts measuring afresh). */
const REPORT_MS = 1000;

/**
 * Measures this thread's event-loop delay (Node's libuv-timer histogram, in nanoseconds) and publishes, every
 * second, that second's 99th percentile and largest value into the thread's record of the pool index, where
 * /metrics and the status page read them. Returns the function that stops it.
 */
export function publishLoopDelay(index: PoolIndex, slot: number): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => {
    index.setThread(slot, Thread.LOOP_DELAY_P99_US, Math.round(delay.percentile(99) / 1000));
    index.setThread(slot, Thread.LOOP_DELAY_MAX_US, Math.round(delay.max / 1000));
    delay.reset();
  }, REPORT_MS).unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}
