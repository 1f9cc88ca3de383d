import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import { Cell, PoolIndex, Upstream } from '../../src/pool/pool-index.js';

describe('the pool index across threads', () => {
  it('shows one thread’s counter updates to another thread', async () => {
    const index = PoolIndex.create(2, 2);
    const url = new URL('../../src/pool/pool-index.js', import.meta.url).href;
    // A real worker thread opens the same SharedArrayBuffer and counts two opened connections for upstream 1, slot 1.
    const worker = new Worker(
      `import('${url}').then(({ PoolIndex, Cell }) => {
         const { workerData } = require('node:worker_threads');
         const view = new PoolIndex(workerData, 2, 2);
         view.count(1, 1, Cell.OPENED, 2);
       });`,
      { eval: true, workerData: index.buffer },
    );
    await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
    assert.equal(index.get(1, 1, Cell.OPENED), 2);
    assert.equal(index.get(0, 1, Cell.OPENED), 0);
    assert.equal(index.total(1, Upstream.OPENED), 2, 'the upstream total moves with the cell');
  });
});
