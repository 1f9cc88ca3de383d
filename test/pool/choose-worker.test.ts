import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseWorker, MUST_WAIT, type WorkerRouting } from '../../src/pool/choose-worker.js';
import { Cell, PoolIndex, Upstream } from '../../src/pool/pool-index.js';

const reuseFirst = (index: PoolIndex, upstream: number, cap: number, home = 0) =>
  chooseWorker(index, upstream, cap, 'reuse-first', home);

describe('choosing the worker for an atom', () => {
  it('prefers the worker holding an idle connection to the upstream, wherever it is', () => {
    const index = PoolIndex.create(2, 3);
    index.count(0, 2, Cell.IDLE, 1);
    assert.equal(reuseFirst(index, 0, 8), 2);
    assert.equal(reuseFirst(index, 1, 8), 0, 'an idle connection to another upstream does not count');
  });

  it('does not count a connection as idle when an atom is already assigned to it', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.IDLE, 1);
    index.count(0, 1, Cell.ASSIGNED, 1);
    index.count(0, 0, Cell.ASSIGNED, 1);
    // Slot 1's only connection is taken; both slots carry one atom, so the lowest slot opens the next one.
    assert.equal(reuseFirst(index, 0, 8), 0);
  });

  it('sends the atom to the least-loaded worker when no connection is idle and the cap allows one more', () => {
    const index = PoolIndex.create(2, 2);
    index.count(1, 0, Cell.ASSIGNED, 3); // slot 0 is busy with another upstream
    assert.equal(reuseFirst(index, 0, 8), 1);
  });

  it('makes the atom wait when every connection the cap allows is in use, counting ones still to be opened', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 0, Cell.BUSY, 1);
    index.count(0, 0, Cell.ASSIGNED, 1);
    index.count(0, 1, Cell.ASSIGNED, 1); // routed there, the worker has not picked it up yet
    assert.equal(reuseFirst(index, 0, 2), MUST_WAIT);
    assert.equal(reuseFirst(index, 0, 0), 0, '0 means no cap');
  });

  it('counts connections being opened against the cap', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.CONNECTING, 1);
    index.count(0, 1, Cell.ASSIGNED, 1);
    assert.equal(reuseFirst(index, 0, 1), MUST_WAIT);
    assert.equal(reuseFirst(index, 0, 2), 0);
  });

  it('forgets a dead worker’s connections and keeps its history', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.IDLE, 2);
    index.count(0, 1, Cell.OPENED, 2);
    index.forgetSlot(1);
    assert.equal(index.get(0, 1, Cell.IDLE), 0);
    assert.equal(index.get(0, 1, Cell.OPENED), 2);
    assert.equal(index.get(0, 1, Cell.CLOSED), 2);
  });

  it('sends an atom to a connection being opened ahead of traffic, and counts that one against the cap', () => {
    const index = PoolIndex.create(1, 2);
    index.count(0, 1, Cell.WARMING, 1);
    assert.equal(reuseFirst(index, 0, 1), 1, 'the warming connection is as good as idle');
    index.count(0, 1, Cell.ASSIGNED, 1);
    assert.equal(reuseFirst(index, 0, 1), MUST_WAIT, 'taken, and the cap of 1 is reached');
  });

  it('counts a connection still held busy by a worker as in use, even after its atom was unassigned', () => {
    const index = PoolIndex.create(1, 1);
    index.count(0, 0, Cell.BUSY, 1); // a cancelled atom: ASSIGNED already back to 0, undici not done yet
    assert.equal(reuseFirst(index, 0, 1), MUST_WAIT);
  });

  describe('local-first', () => {
    const localFirst = (index: PoolIndex, cap: number, home: number) =>
      chooseWorker(index, 0, cap, 'local-first' satisfies WorkerRouting, home);

    it('keeps the atom on its home worker while the cap allows a new connection, even with one idle elsewhere', () => {
      const index = PoolIndex.create(1, 2);
      index.count(0, 0, Cell.IDLE, 1);
      assert.equal(localFirst(index, 4, 1), 1);
      assert.equal(reuseFirst(index, 0, 4, 1), 0, 'reuse-first takes the idle connection instead');
    });

    it('hops to another worker’s idle connection once the cap is reached, and waits when there is none', () => {
      const index = PoolIndex.create(1, 2);
      index.count(0, 0, Cell.IDLE, 1);
      assert.equal(localFirst(index, 1, 1), 0);
      index.count(0, 0, Cell.ASSIGNED, 1);
      assert.equal(localFirst(index, 1, 1), MUST_WAIT);
    });
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
