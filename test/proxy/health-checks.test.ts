import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import type { TestOrigin } from '../helpers/origin.js';
import { withFleet } from '../helpers/fleet.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const INTERVAL_MS = 200;
const FALL = 2;
const RISE = 2;

/** An origin whose GET /health answers 200 while `healthy()`, else 503; anything else gets `ok`. */
const checkedOrigin = (healthy: () => boolean) => (request: IncomingMessage, response: ServerResponse) => {
  request.resume();
  if (request.url === '/health') response.writeHead(healthy() ? 200 : 503).end();
  else response.end('ok');
};

const traffic = (origin: TestOrigin) => origin.requests.filter((request) => request.url !== '/health').length;
const checks = (origin: TestOrigin) => origin.requests.filter((request) => request.url === '/health').length;

describe('active health checks (ATOM_HEALTH_CHECK_PATH)', () => {
  it('take a failing upstream out within interval × fall, close its idle connections, check once per process, and bring it back after rise passes', async (t) => {
    let firstHealthy = true;
    const env = {
      ATOM_WORKERS: '2',
      ATOM_HEALTH_CHECK_PATH: '/health',
      ATOM_HEALTH_CHECK_INTERVAL_MS: String(INTERVAL_MS),
      ATOM_HEALTH_CHECK_FALL: String(FALL),
      ATOM_HEALTH_CHECK_RISE: String(RISE),
    };
    await withFleet([checkedOrigin(() => firstHealthy), checkedOrigin(() => true)], env, async ([first, second], proxy) => {
      const client = await RawClient.connect(proxy.port);
      const send = async (count: number) => {
        for (let i = 0; i < count; i++) {
          client.send('GET /work HTTP/1.1\r\nHost: t\r\n\r\n');
          assert.equal((await client.readResponse()).status, 200);
        }
      };
      try {
        await send(10);
        assert.ok(traffic(first!) > 0 && traffic(second!) > 0, 'both upstreams in rotation');

        // Once per process: two threads, yet one check per interval.
        const checksBefore = checks(first!);
        const windowStart = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 10 * INTERVAL_MS));
        const checksInWindow = checks(first!) - checksBefore;
        const intervals = (performance.now() - windowStart) / INTERVAL_MS;
        assert.ok(checksInWindow <= intervals + 1, `${checksInWindow} checks in ${intervals.toFixed(1)} intervals: one checker, not one per thread`);
        assert.ok(checksInWindow >= 3, `checks run (${checksInWindow})`);

        firstHealthy = false;
        const failedAt = performance.now();
        await waitFor(() => proxy.logs.some((line) => line.msg === 'upstream failed its health checks: out of rotation'), 'the upstream to be taken out', 5000);
        const outAfterMs = performance.now() - failedAt;
        t.diagnostic(`out of rotation ${outAfterMs.toFixed(0)} ms after it began failing (interval ${INTERVAL_MS} ms × fall ${FALL})`);
        // A check may be just under way as it starts failing: up to one more interval. The slack is for a loaded
        // machine's late timers; the figure itself is printed above, not asserted tightly.
        assert.ok(outAfterMs <= INTERVAL_MS * (FALL + 1) + 2000, `out within interval × fall (${outAfterMs.toFixed(0)} ms)`);
        const [view] = (await proxy.pool()).upstreams;
        assert.equal(view!.checkFailed, true);
        assert.equal(view!.down, true);
        await waitFor(() => first!.open === 0, 'the idle connections to the failed upstream to close', 3000);

        const firstBefore = traffic(first!);
        await send(10);
        assert.equal(traffic(first!), firstBefore, 'no atom reaches the failed upstream');

        firstHealthy = true;
        await waitFor(() => proxy.logs.some((line) => line.msg === 'upstream passed its health checks: back in rotation'), 'the upstream to come back', 5000);
        await send(10);
        assert.ok(traffic(first!) > firstBefore, 'back in rotation');
        assert.equal((await proxy.pool()).upstreams[0]!.checkFailed, false);
      } finally {
        client.destroy();
      }
    });
  });
});
