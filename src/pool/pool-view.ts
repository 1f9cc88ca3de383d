import { Cell, type CellName, type PoolIndex, Thread, Upstream } from './pool-index.js';

/** One worker's share of one upstream, as the admin view shows it. */
export type WorkerView = { worker: number } & Record<Lowercase<CellName>, number>;

export interface UpstreamView {
  url: string;
  /** Out of rotation: by passive health (connect failures) or by failed health checks. */
  down: boolean;
  /** Out of rotation because its active health checks failed (ATOM_HEALTH_CHECK_PATH). */
  checkFailed: boolean;
  connectFailures: number;
  /** Open or opening, over all workers: what ATOM_UPSTREAM_MAX_CONNS caps. */
  connections: number;
  idle: number;
  busy: number;
  connecting: number;
  warming: number;
  /** Bound to one client connection each (NTLM, Negotiate). */
  pinned: number;
  opened: number;
  closed: number;
  requests: number;
  reused: number;
  replays: number;
  inFlight: number;
  /** Atoms waiting in any thread's queue for a connection. */
  queued: number;
  workers: WorkerView[];
}

const CELL_NAMES = Object.keys(Cell) as CellName[];

/** One worker thread, as the admin view shows it. */
export interface ThreadView {
  thread: number;
  /** Linux thread id: /proc/<pid>/task/<tid> has its CPU time. */
  tid: number;
  /** Running, and other threads may send it atoms. */
  reachable: boolean;
  /** Listening on the client port. */
  accepting: boolean;
  /** Atoms its clients sent. */
  atoms: number;
  /** Of those, atoms that ran on another thread's upstream connection. */
  hops: number;
  /** Its event loop's delay over the last second: 99th percentile and largest, in milliseconds. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export function viewThreads(index: PoolIndex): ThreadView[] {
  return Array.from({ length: index.workerSlots }, (_, thread) => ({
    thread,
    tid: index.thread(thread, Thread.TID),
    reachable: index.thread(thread, Thread.REACHABLE) === 1,
    accepting: index.thread(thread, Thread.ACCEPTING) === 1,
    atoms: index.thread(thread, Thread.ATOMS),
    hops: index.thread(thread, Thread.HOPS),
    loopDelayP99Ms: index.thread(thread, Thread.LOOP_DELAY_P99_US) / 1000,
    loopDelayMaxMs: index.thread(thread, Thread.LOOP_DELAY_MAX_US) / 1000,
  }));
}

/**
 * Reads the whole index into plain JSON-ready data: per upstream its totals, and per worker its cell. The admin
 * view and the shutdown log line both show this.
 */
export function viewPool(index: PoolIndex, upstreams: string[]): UpstreamView[] {
  return upstreams.map((url, upstream) => {
    const workers = Array.from({ length: index.workerSlots }, (_, slot) => {
      const view = { worker: slot } as WorkerView;
      for (const name of CELL_NAMES) view[name.toLowerCase() as Lowercase<CellName>] = index.get(upstream, slot, Cell[name]);
      return view;
    });
    const total = (field: number) => index.total(upstream, field);
    return {
      url,
      down: total(Upstream.DOWN) === 1 || total(Upstream.CHECK_FAILED) === 1,
      checkFailed: total(Upstream.CHECK_FAILED) === 1,
      connectFailures: total(Upstream.CONNECT_FAILURES),
      connections: total(Upstream.CONNECTIONS),
      idle: total(Upstream.IDLE),
      busy: workers.reduce((sum, worker) => sum + worker.busy, 0),
      connecting: workers.reduce((sum, worker) => sum + worker.connecting, 0),
      warming: workers.reduce((sum, worker) => sum + worker.warming, 0),
      pinned: workers.reduce((sum, worker) => sum + worker.pinned, 0),
      opened: total(Upstream.OPENED),
      closed: total(Upstream.CLOSED),
      requests: total(Upstream.REQUESTS),
      reused: total(Upstream.REUSED),
      replays: total(Upstream.REPLAYS),
      inFlight: total(Upstream.IN_FLIGHT),
      queued: total(Upstream.QUEUED),
      workers,
    };
  });
}
