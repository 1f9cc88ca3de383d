import { processTree, tidsOf } from '../process-stats.js';

/** One entry of the admin view's `threads` (issue 9): worker thread N, its Linux tid and its atom counters. */
export interface ThreadView {
  thread: number;
  tid: number;
  accepting: boolean;
  /** Atoms this thread accepted so far. */
  atoms: number;
  /** Of those, atoms run on another thread's upstream connection. */
  hops: number;
}

/** A worker: an atomproxy worker thread or an nginx worker process (then every thread of it). */
export interface WorkerRole {
  thread: number;
  tids: number[];
  /** The admin view's counters; null where there are none (nginx). */
  atoms: number | null;
  hops: number | null;
}

/**
 * Which of a target's threads do what, for the per-thread CPU split: the supervisor (atomproxy's main thread,
 * nginx's master process), the workers, and implicitly every other thread (V8 platform helpers, libuv pool).
 */
export interface ThreadRoles {
  main: number[];
  workers: WorkerRole[];
}

/** atomproxy: its main thread's tid is the pid; workers come from the admin view (none when it has no `threads`). */
export function atomproxyRoles(pid: number, threads: ThreadView[] | undefined): ThreadRoles {
  return {
    main: [pid],
    workers: (threads ?? []).map(({ thread, tid, atoms, hops }) => ({ thread, tids: [tid], atoms, hops })),
  };
}

/** A server program: the started process is the master, every process below it a worker (nginx), none for haproxy -db. */
export function processRoles(pid: number): ThreadRoles {
  const [, ...children] = processTree(pid);
  return {
    main: tidsOf(pid),
    workers: children.map((child, thread) => ({ thread, tids: tidsOf(child), atoms: null, hops: null })),
  };
}
