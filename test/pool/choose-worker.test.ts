import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseWorker, MUST_WAIT } from '../../src/pool/choose-worker.js';
import { Field, PoolIndex } from '../../src/pool/pool-index.js';

describe('choosing the worker for an atom', () => {
  it('prefers the worker holding an idle connection to the upstream, wherever it is', () => {
    const index = PoolIndex.create(2, 3);
    index.add(0, 2, Field.CONNECTED, 1);
    assert.equal(chooseWorker(index, 0, 8), 2);
  });

  it('does not count a connection as idle when an atom is already assigned to it', () => {
    const index = PoolIndex.create(1, 2);
    index.add(0, 1, Field.CONNECTED, 1);
    index.add(0, 1, Field.ASSIGNED, 1);
    index.add(0, 0, Field.ASSIGNED, 1);
    // Slot 1's only connection is taken; both slots carry one atom, so the lowest slot opens the next one.
    assert.equal(chooseWorker(index, 0, 8), 0);
  });

  it('sends the atom to the least-loaded worker when no connection is idle and the cap allows one more', () => {
    const index = PoolIndex.create(2, 2);
    index.add(1, 0, Field.ASSIGNED, 3); // slot 0 is busy with another upstream
    assert.equal(chooseWorker(index, 0, 8), 1);
  });

  it('makes the atom wait when every connection the cap allows is busy, counting connections still opening', () => {
    const index = PoolIndex.create(1, 2);
    index.add(0, 0, Field.CONNECTED, 1);
    index.add(0, 0, Field.ASSIGNED, 1);
    index.add(0, 1, Field.ASSIGNED, 1); // connecting: assigned but not yet connected
    assert.equal(chooseWorker(index, 0, 2), MUST_WAIT);
    assert.equal(chooseWorker(index, 0, 0), 0, '0 means no cap');
  });

  it('forgets a dead worker’s connections', () => {
    const index = PoolIndex.create(1, 2);
    index.add(0, 1, Field.CONNECTED, 2);
    index.forgetSlot(1);
    assert.equal(index.get(0, 1, Field.CONNECTED), 0);
  });

  it('counts a connection still held busy by a worker as in use, even after its atom was unassigned', () => {
    const index = PoolIndex.create(1, 1);
    index.add(0, 0, Field.CONNECTED, 1);
    index.add(0, 0, Field.BUSY, 1); // a cancelled atom: ASSIGNED already back to 0, undici not done yet
    assert.equal(chooseWorker(index, 0, 1), MUST_WAIT);
  });
});
