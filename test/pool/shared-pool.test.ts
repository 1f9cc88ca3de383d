import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { originSuite } from '../helpers/origin-suite.js';
import { startOrigin } from '../helpers/origin.js';
import { startProxy } from '../helpers/proxy-process.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { ENGINES, engineSkip, sharedPortSkip } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';

/** Runs `total` requests through `lanes` concurrent loops; resolves with every status seen. */
async function inLanes(total: number, lanes: number, request: (i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) statuses.push(await request(next++));
    }),
  );
  return statuses;
}

const closeRequest = (i: number) => `GET /close/${i} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`;

for (const engine of ENGINES) {
  describe(`one upstream pool shared by two threads (${engine} engine)`, { skip: engineSkip(engine) }, () => {
    const suite = originSuite({ ATOM_ACCEPTOR: engine, ATOM_WORKERS: '2' });
    const { proxyWith } = suite;

    it('serves 1000 Connection: close clients, 8 at a time, over at most ATOM_UPSTREAM_MAX_CONNS connections', async () => {
      const acceptedBefore = suite.origin.connections;
      const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_CONNS: '8' });
      const statuses = await inLanes(1000, 8, async (i) => {
        const response = await rawRequest(proxy.port, closeRequest(i));
        assert.equal(response.header('connection'), 'close');
        return response.status;
      });
      assert.equal(statuses.filter((status) => status === 200).length, 1000);
      assert.ok(suite.origin.connections - acceptedBefore <= 8, `origin accepted ${suite.origin.connections - acceptedBefore}`);

      const { threads, upstreams } = await proxy.pool();
      const [upstream] = upstreams;
      assert.equal(upstream!.requests, 1000);
      assert.equal(upstream!.opened, suite.origin.connections - acceptedBefore);
      assert.equal(upstream!.reused, 1000 - upstream!.opened, 'every request but the first on each connection reused one');
      assert.equal(upstream!.inFlight, 0);
      assert.equal(threads.reduce((sum, thread) => sum + thread.atoms, 0), 1000, 'every atom was counted by the thread that accepted it');
      for (const thread of threads) {
        if (thread.accepting) assert.ok(thread.atoms > 0, `thread ${thread.thread} accepts but took no client`);
        else assert.equal(thread.atoms, 0);
      }
      if (!sharedPortSkip(engine)) assert.ok(threads.every((thread) => thread.accepting), 'every thread accepts');
    });

    for (const routing of ['reuse-first', 'local-first']) {
      it(`runs requests from many client connections over one connection held by one thread (cap 1, ${routing})`, async () => {
        const acceptedBefore = suite.origin.connections;
        const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_CONNS: '1', ATOM_WORKER_ROUTING: routing });
        // 4 keep-alive clients and 4 lanes of close clients at once, accepted by whichever thread the kernel picks.
        const keepAliveLane = async () => {
          const client = await RawClient.connect(proxy.port);
          const seen: number[] = [];
          for (let i = 0; i < 5; i++) {
            client.send(`GET /kept/${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
            seen.push((await client.readResponse()).status);
          }
          client.destroy();
          return seen;
        };
        const closeLane = async () => {
          const seen: number[] = [];
          for (let i = 0; i < 5; i++) seen.push((await rawRequest(proxy.port, closeRequest(i))).status);
          return seen;
        };
        const lanes = await Promise.all([...Array.from({ length: 4 }, keepAliveLane), ...Array.from({ length: 4 }, closeLane)]);
        const statuses = lanes.flat();
        assert.deepEqual(statuses, new Array(40).fill(200));
        assert.equal(suite.origin.connections - acceptedBefore, 1, 'the origin saw one connection');
        const { threads, upstreams } = await proxy.pool();
        const [upstream] = upstreams;
        assert.equal(upstream!.opened, 1);
        assert.equal(upstream!.requests, 40);
        const opener = upstream!.workers.find((worker) => worker.opened === 1)!;
        assert.equal(opener.requests, 40, 'every request ran on the thread that holds the connection');
        const fromElsewhere = threads.filter((thread) => thread.thread !== opener.worker).reduce((sum, thread) => sum + thread.atoms, 0);
        assert.equal(threads.reduce((sum, thread) => sum + thread.hops, 0), fromElsewhere, 'the other thread’s atoms all hopped there');
      });
    }
  });

  describe(`the caps hold exactly over four threads (${engine} engine)`, { skip: engineSkip(engine) }, () => {
    it('with ATOM_UPSTREAM_MAX_CONNS=1 and ATOM_QUEUE_MAX=3: one request upstream, three wait, six get 503', async () => {
      const held: ServerResponse[] = [];
      const origin = await startOrigin((request, response) => {
        request.resume();
        held.push(response);
      });
      const proxy = await startProxy({
        ATOM_ACCEPTOR: engine,
        ATOM_WORKERS: '4',
        ATOM_UPSTREAMS: origin.url,
        ATOM_UPSTREAM_MAX_CONNS: '1',
        ATOM_QUEUE_MAX: '3',
      });
      try {
        const answers = Array.from({ length: 10 }, (_, i) => rawRequest(proxy.port, closeRequest(i)));
        const statuses: number[] = [];
        const refused = answers.map((answer) =>
          answer.then((response) => {
            statuses.push(response.status);
            if (response.status === 503) assert.equal(response.header('retry-after'), '1');
          }),
        );
        await waitFor(() => statuses.length === 6, 'six 503 answers');
        assert.deepEqual(statuses, new Array(6).fill(503));
        const [upstream] = (await proxy.pool()).upstreams;
        assert.equal(upstream!.queued, 3, 'three atoms wait, over all threads');
        assert.equal(held.length, 1, 'one request reached the origin');
        for (let released = 1; released <= 4; released++) {
          held[released - 1]!.end('ok');
          await waitFor(() => statuses.length === 6 + released, `answer ${released}`);
          if (released < 4) await waitFor(() => held.length === released + 1, `queued request ${released} to reach the origin`);
        }
        await Promise.all(refused);
        assert.deepEqual(statuses.slice(6), [200, 200, 200, 200]);
        assert.equal(origin.connections, 1, 'one upstream connection served all four');
        assert.equal(held.length, 4);
        const after = (await proxy.pool()).upstreams[0]!;
        assert.equal(after.queued, 0);
        assert.equal(after.inFlight, 0);
        assert.ok(after.workers.every((worker) => worker.assigned === 0));
      } finally {
        await proxy.stop();
        await origin.close();
      }
    });
  });
}
