import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { lane, type Outcome } from '../helpers/load-lanes.js';
import { ENGINES, sharedPortSkip } from '../helpers/matrix.js';
import { startOrigin } from '../helpers/origin.js';
import { queuedConnectionsDropSkip } from '../helpers/port-migration.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { waitFor } from '../helpers/wait.js';

/** Resolves once `outcomes` holds `more` entries beyond what it holds now. */
function moreOutcomes(outcomes: Outcome[], more: number, what: string): Promise<void> {
  const target = outcomes.length + more;
  return waitFor(() => outcomes.length >= target, what, 20_000);
}

for (const engine of ENGINES) {
  describe(`zero-downtime restart on one port (${engine} engine)`, { skip: sharedPortSkip(engine) || queuedConnectionsDropSkip() }, () => {
    it('a second atomproxy shares the port, SIGTERM to the first loses no request, both served, and the second takes over the admin port', async () => {
      const origin = await startOrigin((request, response) => {
        request.resume();
        setTimeout(() => response.end('ok'), 2);
      });
      const port = await freePort();
      const adminPort = await freePort();
      const env = { ATOM_ACCEPTOR: engine, ATOM_WORKERS: '2', ATOM_PORT: String(port), ATOM_ADMIN_PORT: String(adminPort), ATOM_UPSTREAMS: origin.url };
      const proxies: ProxyProcess[] = [];
      const outcomes: Outcome[] = [];
      let stopped = false;
      let lanes: Array<Promise<void>> = [];
      try {
        const first = await startProxy(env);
        proxies.push(first);
        lanes = [true, true, true, true, false, false, false, false].map((keepAlive) => lane(port, keepAlive, () => stopped, outcomes));
        await moreOutcomes(outcomes, 200, 'load through the first proxy');
        const second = await startProxy(env);
        proxies.push(second);
        await moreOutcomes(outcomes, 200, 'load through both proxies');
        await first.stop(); // SIGTERM; fails unless it exits 0 within the grace with a balanced pool
        await moreOutcomes(outcomes, 200, 'load through the second proxy alone');
        stopped = true;
        await Promise.all(lanes);
        // The second took the admin port the first held, once the first let it go.
        assert.ok(second.logs.some((line) => line.msg === 'ATOM_ADMIN_PORT is in use (an atomproxy being replaced?): taking it once it is free'));
        await waitFor(() => second.logs.some((line) => line.msg === 'admin listener now listening'), 'the second proxy to take the admin port');
        const servedBySecond = (await second.pool()).upstreams[0]!.requests;
        const servedByFirst = (first.logs.find((line) => line.msg === 'upstream pool counters at shutdown')!.pool as Array<{ requests: number }>)[0]!.requests;
        assert.ok(servedByFirst > 0 && servedBySecond > 0, `both proxies served (first ${servedByFirst}, second ${servedBySecond})`);
        assert.deepEqual(
          outcomes.filter((outcome) => outcome !== 'answered'),
          [],
          'no refused connection, no connection closed before its answer, no error answer',
        );
        assert.equal(origin.requests.length, outcomes.length, 'the origin got each request once');
      } finally {
        stopped = true;
        await Promise.all(lanes);
        try {
          for (const proxy of proxies.reverse()) await proxy.stop();
        } finally {
          await origin.close();
        }
      }
    });
  });
}
