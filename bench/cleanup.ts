/**
 * Everything the bench started that must not outlive it (origin, proxies, nginx, haproxy, load clients).
 * Each owner registers a stop when it starts and unregisters when it stopped on its own; with
 * `stopEverythingOnSignals`, SIGINT and SIGTERM run every registered stop before exiting.
 */
const stops = new Set<() => Promise<void> | void>();
/** Set once everything was stopped: what starts later (the runner may be mid-step) is stopped at once. */
let stopping = false;

export function registerStop(stop: () => Promise<void> | void): () => void {
  if (stopping) {
    // Synchronously started: the exit that follows stopEverything() may come before the next microtask.
    try {
      void Promise.resolve(stop()).catch(() => {});
    } catch {
      // nothing more to do for it
    }
    return () => {};
  }
  stops.add(stop);
  return () => stops.delete(stop);
}

export async function stopEverything(): Promise<void> {
  stopping = true;
  const pending = [...stops];
  stops.clear();
  await Promise.allSettled(pending.map(async (stop) => stop()));
}

/**
 * SIGINT and SIGTERM stop everything registered, then exit 130. Installed by the bench's entry point only, so
 * importing a bench module (the tests do) changes nothing about a process's signals.
 */
export function stopEverythingOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`# ${signal}: stopping everything the bench started`);
      // A stop that hangs must not keep the bench alive: 10 s, then exit regardless.
      setTimeout(() => process.exit(130), 10_000).unref();
      void stopEverything().finally(() => process.exit(130));
    });
  }
}
