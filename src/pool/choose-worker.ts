import { Cell, type PoolIndex } from './pool-index.js';

/** The answer when every connection the cap allows is in use: the atom must wait in the acceptor's queue. */
export const MUST_WAIT = -1;

/**
 * `reuse-first`: an idle connection anywhere beats opening one. `local-first`: the atom's home worker (the one
 * its client connection is tied to) opens a connection while the cap allows, and only at the cap does the atom
 * hop to another worker's idle connection.
 */
export type WorkerRouting = 'reuse-first' | 'local-first';

/** What one slot holds for one upstream, as the router must see it. */
interface SlotView {
  /** Idle connections no routed atom will claim. */
  idle: number;
  /** Connections open, opening, or about to be opened for atoms already routed there. */
  connections: number;
}

/**
 * Atoms routed to a slot but not yet holding a connection there will take its idle ones first (open, or still
 * being opened ahead of traffic), and open new ones when there are none. An atom holds a connection once the
 * worker counted it BUSY or CONNECTING; a cancelled atom's connection stays BUSY until undici lets go of it
 * although the atom is no longer ASSIGNED.
 */
function viewOf(index: PoolIndex, upstream: number, slot: number): SlotView {
  const idle = index.get(upstream, slot, Cell.IDLE) + index.get(upstream, slot, Cell.WARMING);
  const held = index.get(upstream, slot, Cell.BUSY) + index.get(upstream, slot, Cell.CONNECTING);
  const waiting = Math.max(0, index.get(upstream, slot, Cell.ASSIGNED) - held);
  return { idle: Math.max(0, idle - waiting), connections: idle + held + Math.max(0, waiting - idle) };
}

/**
 * Which worker slot runs the next atom for `upstream`. The whole routing policy:
 * 1. reuse-first: the slot with the most idle connections to it, so the atom reuses a warm connection
 *    wherever it lives; local-first: the home slot if it has one idle;
 * 2. else, while the global connection cap for the upstream is not reached, a slot that opens one: the home
 *    slot for local-first, the least-loaded slot for reuse-first;
 * 3. else (local-first) another slot's idle connection;
 * 4. else MUST_WAIT. `maxConnections` 0 means no cap.
 */
export function chooseWorker(
  index: PoolIndex,
  upstream: number,
  maxConnections: number,
  routing: WorkerRouting,
  home: number,
): number {
  let idleSlot = MUST_WAIT;
  let mostIdle = 0;
  let connections = 0;
  let homeIdle = 0;
  for (let slot = 0; slot < index.workerSlots; slot++) {
    const view = viewOf(index, upstream, slot);
    if (view.idle > mostIdle) {
      mostIdle = view.idle;
      idleSlot = slot;
    }
    if (slot === home) homeIdle = view.idle;
    connections += view.connections;
  }
  const underCap = maxConnections === 0 || connections < maxConnections;
  if (routing === 'local-first') {
    if (homeIdle > 0 || underCap) return home;
    return idleSlot;
  }
  if (idleSlot !== MUST_WAIT) return idleSlot;
  return underCap ? leastLoadedSlot(index) : MUST_WAIT;
}

/** The slot with the fewest assigned atoms over all upstreams (the most headroom); the lowest slot on ties. */
function leastLoadedSlot(index: PoolIndex): number {
  let best = 0;
  let bestLoad = Infinity;
  for (let slot = 0; slot < index.workerSlots; slot++) {
    let load = 0;
    for (let upstream = 0; upstream < index.upstreamCount; upstream++) {
      load += index.get(upstream, slot, Cell.ASSIGNED);
    }
    if (load < bestLoad) {
      bestLoad = load;
      best = slot;
    }
  }
  return best;
}
