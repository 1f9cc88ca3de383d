import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import { Field, PoolIndex } from '../../src/pool/pool-index.js';

describe('the pool index across threads', () => {
  it('shows a worker thread’s counter updates to the acceptor thread', async () => {
    const index = PoolIndex.create(2, 2);
    const url = new URL('../../src/pool/pool-index.js', import.meta.url).href;
    // A real worker thread opens the same SharedArrayBuffer and counts two connections for upstream 1, slot 1.
    const worker = new Worker(
      `import('${url}').then(({ PoolIndex, Field }) => {
         const { workerData } = require('node:worker_threads');
         const view = new PoolIndex(workerData, 2, 2);
         view.add(1, 1, Field.CONNECTED, 2);
       });`,
      { eval: true, workerData: index.buffer },
    );
    await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
    assert.equal(index.get(1, 1, Field.CONNECTED), 2);
    assert.equal(index.get(0, 1, Field.CONNECTED), 0);
  });
});
