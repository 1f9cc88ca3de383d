import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseWorker, connectionsTo, MUST_WAIT, type WorkerRouting } from '../../src/pool/choose-worker.js';
import { Cell, PoolIndex, Upstream } from '../../src/pool/pool-index.js';

const everywhere = () => true;
const choose = (index: PoolIndex, upstream: number, cap: number, here: number, routing: WorkerRouting = 'reuse-first') =>
  chooseWorker(index, upstream, cap, routing, here, everywhere);

describe('choosing the worker for an atom', () => {
  it('keeps the atom in its thread when that thread holds an idle connection, even if another holds more', () => {
    const index = PoolIndex.create(1, 3);
    index.count(0, 0, Cell.IDLE, 1);
    index.count(0, 2, Cell.IDLE, 3);
    assert.equal(choose(index, 0, 8, 0), 0);
  });

  it('hops to the thread holding the most idle connections to the upstream when there is none here', () => {
    const index = PoolIndex.create(2, 3);
    index.count(0, 1, Cell.IDLE, 1);
    index.count(0, 2, Cell.IDLE, 2);
    assert.equal(choose(index, 0, 8, 0), 2);
    assert.equal(choose(index, 1, 8, 0), 0, 'an idle connection to another upstream does not count: open one here');
  });

  it('never hops to a thread that cannot be reached (lost, not yet replaced)', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.IDLE, 1);
    assert.equal(chooseWorker(index, 0, 8, 'reuse-first', 0, (slot) => slot !== 1), 0);
  });

  it('does not count a connection as idle when an atom is already assigned to it', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.IDLE, 1);
    index.assign(0, 0, 1, 1);
    assert.equal(choose(index, 0, 8, 0), 0, 'slot 1’s only connection is taken: open one here');
    assert.equal(choose(index, 0, 1, 0), MUST_WAIT, 'and at a cap of 1 there is no place for one');
  });

  it('makes the atom wait when every connection the cap allows is in use, counting ones still to be opened', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 0, Cell.BUSY, 1);
    index.assign(0, 0, 0, 1);
    index.assign(0, 1, 1, 1); // routed to slot 1 by slot 1; the worker has not picked it up yet
    assert.equal(choose(index, 0, 2, 0), MUST_WAIT);
    assert.equal(connectionsTo(index, 0), 2);
    assert.equal(choose(index, 0, 0, 0), 0, '0 means no cap');
  });

  it('counts connections being opened against the cap', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.CONNECTING, 1);
    index.assign(0, 1, 1, 1);
    assert.equal(choose(index, 0, 1, 0), MUST_WAIT);
    assert.equal(choose(index, 0, 2, 0), 0);
  });

  it('sends an atom to a connection being opened ahead of traffic, and counts that one against the cap', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.WARMING, 1);
    assert.equal(choose(index, 0, 1, 0), 1, 'the warming connection is as good as idle');
    index.assign(0, 0, 1, 1);
    assert.equal(choose(index, 0, 1, 0), MUST_WAIT, 'taken, and the cap of 1 is reached');
  });

  it('counts a connection still held busy by a worker as in use, even after its atom was unassigned', () => {
    const index = PoolIndex.create(1, 1);
    index.count(0, 0, Cell.BUSY, 1); // a cancelled atom: ASSIGNED already back to 0, undici not done yet
    assert.equal(choose(index, 0, 1, 0), MUST_WAIT);
  });

  it('local-first opens a connection here while the cap allows, and hops to an idle one only at the cap', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 0, Cell.IDLE, 1);
    assert.equal(choose(index, 0, 4, 1, 'local-first'), 1);
    assert.equal(choose(index, 0, 4, 1), 0, 'reuse-first takes the idle connection instead');
    assert.equal(choose(index, 0, 1, 1, 'local-first'), 0, 'at the cap, local-first hops too');
    index.assign(0, 1, 0, 1);
    assert.equal(choose(index, 0, 1, 1, 'local-first'), MUST_WAIT);
  });
});

describe('a lost thread in the index', () => {
  it('forgets its connections and the atoms it routed anywhere, keeps its history and the atoms routed to it', () => {
    const index = PoolIndex.create(1, 3);
    index.count(0, 1, Cell.IDLE, 2);
    index.addTotal(0, Upstream.IDLE, 2);
    index.addTotal(0, Upstream.CONNECTIONS, 2);
    index.count(0, 1, Cell.OPENED, 2);
    index.assign(0, 1, 0, 1); // thread 1 sent an atom to thread 0
    index.assign(0, 2, 1, 1); // thread 2 sent an atom to thread 1: thread 2 takes it back itself
    index.addRouted(0, 1, Upstream.IN_FLIGHT, 3);
    index.addRouted(0, 2, Upstream.IN_FLIGHT, 1);
    index.forgetSlot(1);
    assert.equal(index.get(0, 1, Cell.IDLE), 0);
    assert.equal(index.get(0, 1, Cell.OPENED), 2);
    assert.equal(index.get(0, 1, Cell.CLOSED), 2);
    assert.equal(index.get(0, 0, Cell.ASSIGNED), 0, 'thread 1’s atom on thread 0 is gone with it');
    assert.equal(index.get(0, 1, Cell.ASSIGNED), 1, 'thread 2 still holds its atom on thread 1 until it replays it');
    assert.equal(index.total(0, Upstream.IN_FLIGHT), 1, 'only thread 2’s atom is still in flight');
    assert.equal(index.total(0, Upstream.CONNECTIONS), 0, 'its two idle connections left the total');
    assert.equal(index.total(0, Upstream.IDLE), 0);
  });

  it('frees a route lock the lost thread held', () => {
    const index = PoolIndex.create(1, 2);
    index.lockRoutes(0, 1);
    index.forgetSlot(1);
    index.lockRoutes(0, 0); // would spin forever if the lock were still held
    index.unlockRoutes(0);
    assert.equal(index.total(0, Upstream.ROUTE_LOCK), 0);
  });
});

describe('reserving against a global limit', () => {
  it('admits up to the limit and no further; 0 means no limit', () => {
    const index = PoolIndex.create(1, 1);
    const admitted = Array.from({ length: 5 }, () => index.reserveTotal(0, Upstream.IDLE, 3)).filter(Boolean).length;
    assert.equal(admitted, 3);
    assert.equal(index.reserveTotal(0, Upstream.IDLE, 0), true);
  });
});
