import { Cell, type PoolIndex } from './pool-index.js';

/** The answer when every connection the cap allows is in use: the atom must wait in its thread's queue. */
export const MUST_WAIT = -1;

/**
 * Both start with an idle connection in the thread that accepted the atom. Then `reuse-first`: an idle
 * connection in another thread (a hop) beats opening one here; `local-first`: this thread opens one while the
 * cap allows, and only at the cap does the atom hop to another thread's idle connection.
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
 * although the atom is no longer ASSIGNED. Workers move a connection between cells by taking from one before
 * adding to the other, so a view read mid-move shows less idle and no fewer connections, never more.
 */
function viewOf(index: PoolIndex, upstream: number, slot: number): SlotView {
  const idle = index.get(upstream, slot, Cell.IDLE) + index.get(upstream, slot, Cell.WARMING);
  const held = index.get(upstream, slot, Cell.BUSY) + index.get(upstream, slot, Cell.CONNECTING);
  const waiting = Math.max(0, index.get(upstream, slot, Cell.ASSIGNED) - held);
  // Pinned connections carry only their own client's atoms, which are never ASSIGNED: they just count against the cap.
  const pinned = index.get(upstream, slot, Cell.PINNED);
  return { idle: Math.max(0, idle - waiting), connections: idle + held + pinned + Math.max(0, waiting - idle) };
}

/** Connections to `upstream` over all slots, counted as the cap counts them. */
export function connectionsTo(index: PoolIndex, upstream: number): number {
  let connections = 0;
  for (let slot = 0; slot < index.workerSlots; slot++) connections += viewOf(index, upstream, slot).connections;
  return connections;
}

/**
 * Which worker slot runs the next atom for `upstream`, accepted by thread `here`. Called with the upstream's
 * route lock held (PoolIndex.lockRoutes) and followed, under the same lock, by `assign` of the slot it
 * returns: so two threads never claim the same idle connection, and the cap holds over all threads.
 * 1. an idle connection here;
 * 2. reuse-first: an idle connection in another reachable slot (the one with the most);
 * 3. under the global cap `maxConnections` (0: none): here, which opens one;
 * 4. local-first: steps 2 and 3 the other way round;
 * 5. else MUST_WAIT.
 */
export function chooseWorker(
  index: PoolIndex,
  upstream: number,
  maxConnections: number,
  routing: WorkerRouting,
  here: number,
  reachable: (slot: number) => boolean,
): number {
  let idleSlot = MUST_WAIT;
  let mostIdle = 0;
  let connections = 0;
  let idleHere = 0;
  for (let slot = 0; slot < index.workerSlots; slot++) {
    const view = viewOf(index, upstream, slot);
    connections += view.connections;
    if (slot === here) idleHere = view.idle;
    else if (view.idle > mostIdle && reachable(slot)) {
      mostIdle = view.idle;
      idleSlot = slot;
    }
  }
  if (idleHere > 0) return here;
  const underCap = maxConnections === 0 || connections < maxConnections;
  if (routing === 'local-first' && underCap) return here;
  if (idleSlot !== MUST_WAIT) return idleSlot;
  return underCap ? here : MUST_WAIT;
}
