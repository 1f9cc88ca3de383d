import type { ThreadRoles, WorkerRole } from './thread-roles.js';

/** What is read just before and just after a measured run. */
export interface ThreadSnapshot {
  roles: ThreadRoles;
  /** CPU ns so far by tid (threadNanos). */
  nanos: Map<number, number>;
}

export interface WorkerSplit {
  thread: number;
  microsPerRequest: number;
  /** Atoms accepted and hops during the run (admin view deltas); null without counters. */
  atoms: number | null;
  hops: number | null;
  /** Listening on the client port when the run ended (admin view); null without the view. */
  accepting: boolean | null;
}

/** One run's CPU per 2xx response, by thread group; the groups add up to the threads' CPU over the run. */
export interface ThreadSplit {
  mainMicrosPerRequest: number;
  workers: WorkerSplit[];
  /** Every other thread of the target's processes: V8 platform helpers, the libuv pool, threads no view names. */
  otherMicrosPerRequest: number;
}

/** A replaced thread starts its counters again at 0, so its count after the run is all of its run. */
function counted(after: WorkerRole, before: WorkerRole | undefined, field: 'atoms' | 'hops'): number | null {
  const now = after[field];
  if (now === null) return null;
  const sameThread = before !== undefined && before.tids.join() === after.tids.join();
  return sameThread ? now - (before[field] ?? 0) : now;
}

/**
 * Splits the run's CPU by group. A tid is placed by the roles read before or after the run (a worker replaced
 * mid-run shows its old tid before and its new one after: both count for that worker); threads that started
 * during the run count from 0; a thread that ended mid-run cannot be read and is missing.
 */
export function splitThreads(before: ThreadSnapshot, after: ThreadSnapshot, requests: number): ThreadSplit {
  const groupOf = new Map<number, string>();
  for (const roles of [before.roles, after.roles]) {
    for (const tid of roles.main) groupOf.set(tid, 'main');
    for (const worker of roles.workers) for (const tid of worker.tids) groupOf.set(tid, `worker ${worker.thread}`);
  }
  const micros = new Map<string, number>();
  for (const [tid, nanos] of after.nanos) {
    const group = groupOf.get(tid) ?? 'other';
    micros.set(group, (micros.get(group) ?? 0) + (nanos - (before.nanos.get(tid) ?? 0)) / 1000);
  }
  const perRequest = (group: string) => (micros.get(group) ?? 0) / Math.max(1, requests);
  return {
    mainMicrosPerRequest: perRequest('main'),
    workers: [...new Set([...after.roles.workers, ...before.roles.workers].map(({ thread }) => thread))]
      .sort((a, b) => a - b)
      .map((thread) => {
        const [now, previous] = [after, before].map(({ roles }) => roles.workers.find((worker) => worker.thread === thread));
        return {
          thread,
          microsPerRequest: perRequest(`worker ${thread}`),
          atoms: now ? counted(now, previous, 'atoms') : null,
          hops: now ? counted(now, previous, 'hops') : null,
          accepting: (now ?? previous)!.accepting,
        };
      }),
    otherMicrosPerRequest: perRequest('other'),
  };
}
