import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smoothSchedule } from '../../src/workers/router/balancer.js';
import { answerAfter, keepAliveLoad, shares, withFleet } from '../helpers/fleet.js';
import { closeRequest } from '../helpers/raw-client.js';

describe('balancing (ATOM_BALANCE, ATOM_UPSTREAM_WEIGHTS)', () => {
  it('spreads weighted round robin out as nginx does', () => {
    assert.deepEqual(smoothSchedule([5, 1, 1]), [0, 0, 1, 0, 2, 0, 0]);
    assert.deepEqual(smoothSchedule([1, 1]), [0, 1]);
    assert.deepEqual(smoothSchedule([2, 3]), [1, 0, 1, 0, 1]);
  });

  it('round robin gives each upstream its weight’s share, over every thread', async () => {
    await withFleet([answerAfter(0), answerAfter(0)], { ATOM_WORKERS: '2', ATOM_UPSTREAM_WEIGHTS: '3,1' }, async (origins, proxy) => {
      for (let i = 0; i < 40; i++) assert.equal((await closeRequest(proxy.port, `/r${i}`)).status, 200);
      assert.deepEqual(shares(origins), [30, 10]);
    });
  });

  it('least-conn sends a skewed load away from the slow upstream; round robin does not', async (t) => {
    const measured: Record<string, number[]> = {};
    for (const balance of ['round-robin', 'least-conn', 'p2c']) {
      await withFleet([answerAfter(150), answerAfter(2)], { ATOM_WORKERS: '2', ATOM_BALANCE: balance }, async (origins, proxy) => {
        await keepAliveLoad(proxy.port, 6, 150);
        measured[balance] = shares(origins);
      });
    }
    t.diagnostic(`requests per upstream (slow, fast) out of 150: ${JSON.stringify(measured)}`);
    const [roundRobinSlow] = measured['round-robin']!;
    assert.ok(roundRobinSlow! >= 70 && roundRobinSlow! <= 80, 'round robin alternates whatever the load');
    assert.ok(measured['least-conn']![1]! >= 120, 'least-conn: at least 80 % to the fast upstream');
    assert.ok(measured.p2c![1]! >= 105, 'p2c: at least 70 % to the fast upstream');
  });

  it('random follows the weights', async () => {
    await withFleet([answerAfter(0), answerAfter(0)], { ATOM_BALANCE: 'random', ATOM_UPSTREAM_WEIGHTS: '3,1' }, async (origins, proxy) => {
      await keepAliveLoad(proxy.port, 4, 400);
      const [heavy] = shares(origins);
      // Binomial(400, 0.75): 300 ± 8.7; the bounds are 7 standard deviations out.
      assert.ok(heavy! >= 240 && heavy! <= 360, `the weight-3 upstream got ${heavy} of 400`);
    });
  });
});
