import { Field, type PoolIndex } from './pool-index.js';

/** The answer when every connection the cap allows is busy: the atom must wait in the acceptor's queue. */
export const MUST_WAIT = -1;

/**
 * Which worker slot runs the next atom for `upstream`. The whole routing policy, in order:
 * 1. a worker holding an idle connection to it (connections minus atoms already assigned there), the most idle
 *    first, so the atom reuses a warm connection wherever it lives;
 * 2. else, while the global connection cap for the upstream is not reached, the least-loaded worker (it opens
 *    a connection);
 * 3. else MUST_WAIT.
 * `maxConnections` 0 means no cap. A connection is in use while an atom is assigned to it or the worker still
 * holds it busy (a cancelled atom's connection stays busy until undici lets go of it). Connections are counted
 * as max(connected, in use) per slot, so one still being opened for an assigned atom counts against the cap.
 */
export function chooseWorker(index: PoolIndex, upstream: number, maxConnections: number): number {
  let idleSlot = MUST_WAIT;
  let mostIdle = 0;
  let connections = 0;
  for (let slot = 0; slot < index.workerSlots; slot++) {
    const connected = index.get(upstream, slot, Field.CONNECTED);
    const assigned = index.get(upstream, slot, Field.ASSIGNED);
    const busy = index.get(upstream, slot, Field.BUSY);
    const inUse = assigned > busy ? assigned : busy;
    const idle = connected - inUse;
    if (idle > mostIdle) {
      mostIdle = idle;
      idleSlot = slot;
    }
    connections += connected > inUse ? connected : inUse;
  }
  if (idleSlot !== MUST_WAIT) return idleSlot;
  if (maxConnections > 0 && connections >= maxConnections) return MUST_WAIT;
  return leastLoadedSlot(index);
}

/** The slot with the fewest assigned atoms over all upstreams; the lowest slot on ties. */
function leastLoadedSlot(index: PoolIndex): number {
  let best = 0;
  let bestLoad = Infinity;
  for (let slot = 0; slot < index.workerSlots; slot++) {
    let load = 0;
    for (let upstream = 0; upstream < index.upstreamCount; upstream++) {
      load += index.get(upstream, slot, Field.ASSIGNED);
    }
    if (load < bestLoad) {
      bestLoad = load;
      best = slot;
    }
  }
  return best;
}
