import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { threadFigures } from '../../bench/threads/thread-figures.js';
import { splitThreads, type ThreadSnapshot } from '../../bench/threads/thread-split.js';

const ms = (value: number) => value * 1e6; // ns

describe('splitThreads: CPU by thread group over one run', () => {
  it('places each tid by the roles read before or after the run, counts a replaced worker and started threads from 0', () => {
    const before: ThreadSnapshot = {
      roles: { main: [100], workers: [{ thread: 0, tids: [101], atoms: 10, hops: 1, accepting: true }, { thread: 1, tids: [102], atoms: 20, hops: 2, accepting: true }] },
      nanos: new Map([[100, ms(5)], [101, ms(10)], [102, ms(10)], [103, ms(1)]]),
    };
    // Worker 1 was replaced by tid 104 (its counters start again; not listening yet), tid 105 is a new helper thread.
    const after: ThreadSnapshot = {
      roles: { main: [100], workers: [{ thread: 0, tids: [101], atoms: 110, hops: 11, accepting: true }, { thread: 1, tids: [104], atoms: 50, hops: 15, accepting: false }] },
      nanos: new Map([[100, ms(6)], [101, ms(110)], [102, ms(40)], [103, ms(3)], [104, ms(50)], [105, ms(2)]]),
    };
    const split = splitThreads(before, after, 1000);
    assert.equal(split.mainMicrosPerRequest, 1); // 1 ms over 1000 requests
    assert.deepEqual(split.workers, [
      { thread: 0, microsPerRequest: 100, atoms: 100, hops: 10, accepting: true },
      { thread: 1, microsPerRequest: 80, atoms: 50, hops: 15, accepting: false }, // 30 ms on the old tid, 50 on the new
    ]);
    assert.equal(split.otherMicrosPerRequest, 4); // 2 ms on tid 103, 2 on the new 105
  });
});

describe('threadFigures: busiest thread, ceiling, hop rate and projection', () => {
  it('takes the busiest worker, its share, 1e6 / its µs, hops / atoms, and N × 1e6 / (Σ workers + other) capped by the main thread', () => {
    const figures = threadFigures({
      mainMicrosPerRequest: 2,
      workers: [
        { thread: 0, microsPerRequest: 30, atoms: 600, hops: 60, accepting: true },
        { thread: 1, microsPerRequest: 40, atoms: 400, hops: 140, accepting: true },
      ],
      otherMicrosPerRequest: 8,
    });
    assert.equal(figures.totalMicrosPerRequest, 80);
    assert.deepEqual(figures.busiest, { group: 'worker 1', microsPerRequest: 40, share: 0.5 });
    assert.equal(figures.serialCeiling, 25_000);
    assert.equal(figures.hopRate, 0.2);
    // 78 µs per request on the scaling threads: N × 1e6 / 78; the main thread (2 µs) caps at 500,000, above all three.
    assert.deepEqual(
      figures.projected!.map(({ threads, requestsPerSecond }) => [threads, Math.round(requestsPerSecond)]),
      [[4, 51_282], [8, 102_564], [16, 205_128]],
    );
    const mainBound = threadFigures({ mainMicrosPerRequest: 20, workers: [{ thread: 0, microsPerRequest: 10, atoms: null, hops: null, accepting: null }], otherMicrosPerRequest: 0 });
    assert.deepEqual(mainBound.projected!.map(({ requestsPerSecond }) => requestsPerSecond), [50_000, 50_000, 50_000]);
    assert.equal(mainBound.hopRate, null);
  });

  it('has no projection without workers (the old in-thread design): the main thread is the busiest', () => {
    const figures = threadFigures({ mainMicrosPerRequest: 50, workers: [], otherMicrosPerRequest: 10 });
    assert.deepEqual(figures.busiest, { group: 'main', microsPerRequest: 50, share: 50 / 60 });
    assert.equal(figures.serialCeiling, 20_000);
    assert.equal(figures.projected, null);
  });
});
