import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { ENGINES, sharedPortSkip, VARIANTS } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';
import { countBody, streamRequest } from '../helpers/stream-client.js';
import { lane, type Outcome } from '../helpers/load-lanes.js';

/** Runs `body` with an origin and a proxy, always tearing both down; `proxy.stop()` checks the stop was clean. */
async function withProxy(
  env: Record<string, string>,
  handler: Parameters<typeof startOrigin>[0],
  body: (origin: TestOrigin, proxy: ProxyProcess) => Promise<void>,
): Promise<void> {
  const origin = await startOrigin(handler);
  const proxy = await startProxy({ ...env, ATOM_UPSTREAMS: origin.url });
  try {
    await body(origin, proxy);
  } finally {
    await proxy.stop();
    await origin.close();
  }
}

for (const variant of VARIANTS) {
  describe(`graceful stop through the ${variant.name}`, { skip: variant.skip }, () => {
    it('finishes the request in flight on SIGTERM, then exits 0 with a balanced pool', async () => {
      const held: ServerResponse[] = [];
      const hold = (request: { resume(): void }, response: ServerResponse) => {
        request.resume();
        held.push(response);
      };
      await withProxy(variant.env, hold, async (_origin, proxy) => {
        const idle = await RawClient.connect(proxy.port); // an idle keep-alive client must not hold the stop up
        const client = await RawClient.connect(proxy.port);
        client.send('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
        await waitFor(() => held.length === 1, 'the request to reach the origin');
        const stopped = proxy.stop();
        setTimeout(() => held[0]!.end('finished while stopping'), 200);
        assert.equal((await client.readResponse()).body.toString(), 'finished while stopping');
        await stopped;
        assert.equal(await idle.closesWithin(1000), true);
        client.destroy();
      });
    });

    it('lets a slow client read the whole of a response its atom already finished', async () => {
      const size = 5 * 1024 * 1024;
      const big = (request: { resume(): void }, response: ServerResponse) => {
        request.resume();
        response.writeHead(200, { 'content-length': size });
        response.end(Buffer.alloc(size, 'x'));
      };
      await withProxy(variant.env, big, async (_origin, proxy) => {
        const response = await streamRequest(`${proxy.url}/big`, {});
        response.pause(); // reads nothing while the proxy is asked to stop
        const stopped = proxy.stop();
        await new Promise((resolve) => setTimeout(resolve, 300));
        response.resume();
        assert.equal(await countBody(response), size);
        await stopped;
      });
    });

    if (variant.env.ATOM_ACCEPTOR === 'node') {
      // uWS 20.30 closes a connection that pipelines while a response is pending, before forwarding anything.
      it('does not wait for responses whose pipelined requests lost their connection', async () => {
        const slowFirst = (request: { url?: string; resume(): void }, response: ServerResponse) => {
          request.resume();
          setTimeout(() => response.end('late'), request.url === '/slow' ? 300 : 0);
        };
        await withProxy(variant.env, slowFirst, async (origin, proxy) => {
          const client = await RawClient.connect(proxy.port);
          client.send('GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /queued-behind HTTP/1.1\r\nHost: t\r\n\r\n');
          await waitFor(() => origin.requests.length >= 1, 'the first request to reach the origin');
          client.destroy();
          await new Promise((resolve) => setTimeout(resolve, 400)); // both atoms are over by now
          // withProxy's stop() then fails if it had to wait out the drain grace.
        });
      });
    }
  });
}

for (const engine of ENGINES) {
  describe(`SIGTERM under load, every thread accepting (${engine} engine)`, { skip: sharedPortSkip(engine) }, () => {
    it('answers every request that reached an upstream, forwards none it did not answer, and exits 0', async () => {
      await withProxy(
        { ATOM_ACCEPTOR: engine, ATOM_WORKERS: '2' },
        (request, response) => {
          request.resume();
          setTimeout(() => response.end('ok'), 5);
        },
        async (origin, proxy) => {
          const outcomes: Outcome[] = [];
          let stopped = false;
          const lanes = [true, true, true, true, false, false, false, false].map((keepAlive) =>
            lane(proxy.port, keepAlive, () => stopped, outcomes),
          );
          await waitFor(() => outcomes.length >= 200, 'load to run');
          await proxy.stop(); // SIGTERM; fails unless the process exits 0 within the grace with a balanced pool
          stopped = true;
          await Promise.all(lanes);
          const answered = outcomes.filter((outcome) => outcome === 'answered').length;
          const unexpected = outcomes.filter((outcome) => !['answered', 'refused', 'closed before an answer'].includes(outcome));
          assert.deepEqual(unexpected, [], 'no error answer and no cut answer');
          assert.equal(origin.requests.length, answered, 'every request the origin got was answered to its client');
        },
      );
    });
  });
}
