import type { ThreadView } from '../../src/pool/pool-view.js';
import { processTree, tidsOf } from '../process-stats.js';

/** A worker: an atomproxy worker thread or an nginx worker process (then every thread of it). */
export interface WorkerRole {
  thread: number;
  tids: number[];
  /** The admin view's counters and listening flag; null where there are none (nginx). */
  atoms: number | null;
  hops: number | null;
  accepting: boolean | null;
}

/**
 * Which of a target's threads do what, for the per-thread CPU split: the supervisor (atomproxy's main thread,
 * nginx's master process), the workers, and implicitly every other thread (V8 platform helpers, libuv pool).
 */
export interface ThreadRoles {
  main: number[];
  workers: WorkerRole[];
}

/**
 * atomproxy: its main thread's tid is the pid; workers come from the admin view (none when it has no `threads`).
 * A thread that has not read its tid yet (0: starting, or no /proc) has no tid to name: its CPU counts as "other".
 */
export function atomproxyRoles(pid: number, threads: ThreadView[] | undefined): ThreadRoles {
  return {
    main: [pid],
    workers: (threads ?? []).map(({ thread, tid, atoms, hops, accepting }) => ({ thread, tids: tid ? [tid] : [], atoms, hops, accepting })),
  };
}

/** A server program: the started process is the master, every process below it a worker (nginx), none for haproxy -db. */
export function processRoles(pid: number): ThreadRoles {
  const [, ...children] = processTree(pid);
  return {
    main: tidsOf(pid),
    workers: children.map((child, thread) => ({ thread, tids: tidsOf(child), atoms: null, hops: null, accepting: null })),
  };
}
