import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { ENGINES, sharedPortSkip, VARIANTS } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';
import { countBody, streamRequest } from '../helpers/stream-client.js';

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

/** What became of one request sent while the proxy was being stopped. */
type Outcome = 'answered' | 'refused' | 'closed before an answer' | string;

/** One request on `client`: its outcome, never a throw. */
async function outcomeOf(client: RawClient, request: string): Promise<Outcome> {
  client.send(request);
  try {
    const response = await client.readResponse({ timeoutMs: 15_000 });
    return response.status === 200 && response.body.toString() === 'ok' ? 'answered' : `answered ${response.status}`;
  } catch (error) {
    return client.received().length === 0 ? 'closed before an answer' : `cut mid-answer: ${(error as Error).message}`;
  }
}

/** Sends requests until `stopped` says so: keep-alive lanes reconnect when the proxy closes their connection. */
async function lane(port: number, keepAlive: boolean, stopped: () => boolean, outcomes: Outcome[]): Promise<void> {
  const request = `GET /load HTTP/1.1\r\nHost: t\r\n${keepAlive ? '' : 'Connection: close\r\n'}\r\n`;
  while (!stopped()) {
    let client: RawClient;
    try {
      client = await RawClient.connect(port);
    } catch {
      outcomes.push('refused');
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    for (;;) {
      const outcome = await outcomeOf(client, request);
      outcomes.push(outcome);
      if (!keepAlive || outcome !== 'answered' || stopped()) break;
    }
    client.destroy();
  }
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
